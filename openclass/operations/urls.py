from django.urls import path

from . import views, views_pay, views_pool

app_name = "operations"

urlpatterns = [
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/step/", views.step, name="step"),
    path("applications/<int:pk>/survey/", views.survey, name="survey"),
    path("applications/<int:pk>/recordings/", views.recordings, name="recordings"),
]

urlpatterns += [
    path("pool/", views_pool.pool_list, name="pool"),
    path("pool/<int:pk>/", views_pool.profile, name="profile"),
    path("pool/me/", views_pool.my_profile, name="my_profile"),
    path("pool/me/availability/", views_pool.my_availability, name="my_availability"),
    path("pool/me/documents/", views_pool.my_document, name="my_document"),
    path("pool/documents/<int:pk>/", views_pool.document, name="document"),
    path("pool/register/", views_pool.register_own, name="register_own"),
]

urlpatterns += [
    path(
        "applications/<int:pk>/sessions/<int:session_id>/confirm/",
        views_pay.confirm,
        name="confirm_session",
    ),
    path(
        "applications/<int:pk>/sessions/<int:session_id>/change/",
        views_pay.change,
        name="change_session",
    ),
    path("pay/", views_pay.pay_home, name="pay"),
    path("pay/close/", views_pay.close_month, name="close_month"),
    path("pay/instructors/<int:user_id>/", views_pay.instructor_statement, name="statement"),
]

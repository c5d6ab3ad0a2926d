from django.urls import path

from .views import applications, pay, pool

app_name = "operations"

urlpatterns = [
    path("applications/", applications.applications, name="applications"),
    path("applications/new/", applications.apply, name="apply"),
    path("applications/<int:pk>/", applications.application, name="application"),
    path("applications/<int:pk>/step/", applications.step, name="step"),
    path("applications/<int:pk>/survey/", applications.survey, name="survey"),
    path("applications/<int:pk>/recordings/", applications.recordings, name="recordings"),
]

urlpatterns += [
    path("pool/", pool.pool_list, name="pool"),
    path("pool/<int:pk>/", pool.profile, name="profile"),
    path("pool/me/", pool.my_profile, name="my_profile"),
    path("pool/me/availability/", pool.my_availability, name="my_availability"),
    path("pool/me/documents/", pool.my_document, name="my_document"),
    path("pool/documents/<int:pk>/", pool.document, name="document"),
    path("pool/register/", pool.register_own, name="register_own"),
]

urlpatterns += [
    path(
        "applications/<int:pk>/sessions/<int:session_id>/confirm/",
        pay.confirm,
        name="confirm_session",
    ),
    path(
        "applications/<int:pk>/sessions/<int:session_id>/change/",
        pay.change,
        name="change_session",
    ),
    path("pay/", pay.pay_home, name="pay"),
    path("pay/close/", pay.close_month, name="close_month"),
    path("pay/instructors/<int:user_id>/", pay.instructor_statement, name="statement"),
]

from django.urls import path

from .views import applications, office, pay, pool

app_name = "operations"

urlpatterns = [
    path("applications/", applications.applications, name="applications"),
    path("applications/new/", applications.apply, name="apply"),
    path("applications/<id:pk>/", applications.application, name="application"),
    path("applications/<id:pk>/step/", applications.step, name="step"),
    path("applications/<id:pk>/survey/", applications.survey, name="survey"),
    path("applications/<id:pk>/recordings/", applications.recordings, name="recordings"),
]

urlpatterns += [
    path("pool/", pool.pool_list, name="pool"),
    path("pool/<id:pk>/", pool.profile, name="profile"),
    path("pool/me/", pool.my_profile, name="my_profile"),
    path("pool/me/availability/", pool.my_availability, name="my_availability"),
    path("pool/me/documents/", pool.my_document, name="my_document"),
    path("pool/documents/<id:pk>/", pool.document, name="document"),
    path("pool/documents/<id:pk>/review/", pool.document_review, name="document_review"),
    path("pool/register/", pool.register_own, name="register_own"),
]

urlpatterns += [
    path(
        "applications/<id:pk>/sessions/<id:session_id>/confirm/",
        pay.confirm,
        name="confirm_session",
    ),
    path(
        "applications/<id:pk>/sessions/<id:session_id>/change/",
        pay.change,
        name="change_session",
    ),
    path("pay/", pay.pay_home, name="pay"),
    path("pay/close/", pay.close_month, name="close_month"),
    path("pay/instructors/<id:user_id>/", pay.instructor_statement, name="statement"),
]

# The office's settings (calls, the rate table, point rules), without Django's admin.
urlpatterns += [
    path("calls/", office.calls, name="calls"),
    path("calls/new/", office.call_new, name="call_new"),
    path("calls/<id:pk>/", office.call, name="call"),
    path("calls/<id:pk>/edit/", office.call_edit, name="call_edit"),
    path("calls/<id:pk>/publish/", office.call_publish, name="call_publish"),
    path("rates/", office.rates, name="rates"),
    path("rates/new/", office.rate_table_new, name="rate_table_new"),
    path("rates/<id:pk>/", office.rate_table, name="rate_table"),
    path("rates/<id:pk>/edit/", office.rate_table_edit, name="rate_table_edit"),
    path("points/", office.point_rules, name="point_rules"),
]

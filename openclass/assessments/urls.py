from .views import assignments, bank, gradebook, quizzes

app_name = "assessments"

urlpatterns = [
    *bank.urlpatterns,
    *quizzes.urlpatterns,
    *assignments.urlpatterns,
    *gradebook.urlpatterns,
]

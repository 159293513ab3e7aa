from django.urls import path

from enrolments import views

urlpatterns = [
    path("enrolments/", views.EnrolmentListView.as_view(), name="enrolment_list"),
    path("enrolments/reference/", views.ReferenceDataView.as_view(), name="enrolment_reference"),
    path("enrolments/reference/sync/", views.ReferenceSyncView.as_view(), name="enrolment_reference_sync"),
    path("enrolments/reference/check/", views.AnswerCheckView.as_view(), name="enrolment_answer_check"),
    path("enrolments/bulk/", views.BulkEnrolView.as_view(), name="enrolment_bulk"),
    path("enrolments/<int:pk>/", views.EnrolmentDetailView.as_view(), name="enrolment_detail"),
    path("enrolments/<int:pk>/edit/", views.EnrolmentUpdateView.as_view(), name="enrolment_update"),
    path("enrolments/<int:pk>/progress/", views.EnrolmentProgressView.as_view(), name="enrolment_progress"),
    path("learners/<int:pk>/enrol/", views.EnrolView.as_view(), name="enrolment_create"),
]

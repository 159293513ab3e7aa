from django.urls import path

from accreditation import views

urlpatterns = [
    path("", views.AwardListView.as_view(), name="award_list"),
    path("submit/", views.AwardsSubmitView.as_view(), name="awards_submit"),
    path("resend/", views.AwardsResendView.as_view(), name="awards_resend"),
    path("awards/<int:pk>/", views.AwardDetailView.as_view(), name="award_detail"),
    path("awards/<int:pk>/resend/", views.AwardResendView.as_view(), name="award_resend"),
    path("awards/<int:pk>/resend-new-ids/", views.AwardResendUnderNewIdsView.as_view(),
         name="award_resend_under_new_ids"),
    path("templates/<int:pk>/resend-new-ids/", views.TemplateResendUnderNewIdsView.as_view(),
         name="template_resend_under_new_ids"),
    path("configuration/", views.TemplateChoiceView.as_view(), name="accreditation_templates"),
    path("templates/<int:pk>/", views.TemplateConfigurationView.as_view(), name="template_accreditation"),
    path("courses/<int:pk>/", views.CourseConfigurationView.as_view(), name="course_accreditation"),
    path("certificates/<int:pk>/", views.CertificateConfigurationView.as_view(), name="certificate_accreditation"),
    path("events/<int:pk>/", views.EventConfigurationView.as_view(), name="event_accreditation"),
]

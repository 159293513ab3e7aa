from django.urls import path

from accreditation import event_views, views

urlpatterns = [
    path("", views.AwardListView.as_view(), name="award_list"),
    path("submit/", views.AwardsSubmitView.as_view(), name="awards_submit"),
    path("export.csv", views.AwardExportView.as_view(), name="award_export"),
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
    path("courses/<int:pk>/events/add/", event_views.EventCreateView.as_view(), name="event_create"),
    path("events/<int:pk>/edit/", event_views.EventUpdateView.as_view(), name="event_update"),
    path("events/<int:pk>/delete/", event_views.EventDeleteView.as_view(), name="event_delete"),
    path("courses/<int:pk>/events/import/", event_views.EventImportUploadView.as_view(), name="event_import"),
    path("events/import/<int:pk>/", event_views.EventImportPreviewView.as_view(), name="event_import_preview"),
    path("events/import/<int:pk>/confirm/", event_views.EventImportConfirmView.as_view(),
         name="event_import_confirm"),
]

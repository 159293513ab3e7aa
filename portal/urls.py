from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

admin.site.site_header = "Training portal"


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


# The admin is for superusers only, not for every staff member.
admin.site.has_permission = _superusers_only

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("worklist/badge/", views.WorklistBadgeView.as_view(), name="worklist_badge"),
    path("healthz", views.HealthView.as_view(), name="health"),
    path("integrations/<slug:name>/test/", views.IntegrationConnectionTestView.as_view(),
         name="integration_connection_test"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("learners/", views.LearnerListView.as_view(), name="learner_list"),
    path("learners/new/", views.LearnerFormView.as_view(), name="learner_create"),
    path("learners/custom1/", views.Custom1ExplainView.as_view(), name="learner_custom1_explain"),
    path("learners/<int:pk>/", views.LearnerDetailView.as_view(), name="learner_detail"),
    path("learners/<int:pk>/edit/", views.LearnerFormView.as_view(), name="learner_edit"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit_export"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("jobs/", views.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("imports/", include("portal.imports.urls")),
    path("", include("subscriptions.urls")),
    path("accreditation/", include("accreditation.urls")),
    path("", include("enrolments.urls")),
    path("admin/", admin.site.urls),
]

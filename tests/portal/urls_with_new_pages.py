"""The project's URLs plus two pages nobody decided about: the access matrix must notice them."""

from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", include("portal.urls")),
    path("reports/", TemplateView.as_view(template_name="portal/dashboard.html")),
    path("reports/new/", TemplateView.as_view(template_name="portal/dashboard.html"), name="report_new"),
]

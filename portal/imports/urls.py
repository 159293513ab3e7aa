from django.urls import path

from portal.imports import views

urlpatterns = [
    path("", views.ImportUploadView.as_view(), name="import_upload"),
    path("past/", views.ImportListView.as_view(), name="import_list"),
    path("<int:pk>/preview/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="import_errors"),
]

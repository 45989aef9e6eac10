"""Import pages, under the "plans" namespace: plans:import_start, plans:import_mapping, …"""

from django.urls import path

from . import import_views as views

urlpatterns = [
    path("", views.ImportStartView.as_view(), name="import_start"),
    path("<int:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path("<int:pk>/columns/", views.ImportMappingView.as_view(), name="import_mapping"),
    path("<int:pk>/preview/", views.ImportPreviewView.as_view(), name="import_preview"),
]

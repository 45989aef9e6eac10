"""/dashboards/warnings/: the early-warning page of a scope, and its dashboard panel alone."""

from django.urls import path

from . import views_warnings

urlpatterns = [
    path("warnings/", views_warnings.WarningsView.as_view(), name="warnings"),
    path("warnings/panel/", views_warnings.WarningsPanelView.as_view(), name="warnings_panel"),
]

"""/dashboards/: the scope dashboard and the list behind each of its figures."""

from django.urls import path

from . import views_overview

urlpatterns = [
    path("", views_overview.OverviewView.as_view(), name="home"),
    path("list/", views_overview.DrillView.as_view(), name="drill"),
]

"""/dashboards/custom/…: dashboards an organisation builds from panels, and their panels."""

from django.urls import path

from . import views_custom as views

urlpatterns = [
    path("custom/", views.DashboardListView.as_view(), name="custom_list"),
    path("custom/new/", views.DashboardCreateView.as_view(), name="custom_new"),
    path("custom/<int:pk>/", views.DashboardDetailView.as_view(), name="custom_detail"),
    path("custom/<int:pk>/edit/", views.DashboardEditView.as_view(), name="custom_edit"),
    path("custom/<int:pk>/delete/", views.DashboardDeleteView.as_view(), name="custom_delete"),
    path("custom/<int:pk>/panels/new/", views.PanelCreateView.as_view(), name="panel_new"),
    path("panels/<int:pk>/edit/", views.PanelEditView.as_view(), name="panel_edit"),
    path("panels/<int:pk>/delete/", views.PanelDeleteView.as_view(), name="panel_delete"),
    path("panels/<int:pk>/move/", views.PanelMoveView.as_view(), name="panel_move"),
]

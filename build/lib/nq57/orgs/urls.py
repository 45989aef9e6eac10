from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.OrganisationTreeView.as_view(), name="tree"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/children/", views.OrganisationChildrenView.as_view(), name="children"),
    path("<int:pk>/history/", views.OrganisationHistoryView.as_view(), name="history"),
    path("<int:pk>/edit/", views.OrganisationEditView.as_view(), name="edit"),
]

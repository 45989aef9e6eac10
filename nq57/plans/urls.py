from django.urls import include, path

from . import views
from .evidence import download_evidence

app_name = "plans"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="list"),
    path("new/", views.PlanCreateView.as_view(), name="new"),
    path("my-work/", views.MyWorkView.as_view(), name="my_work"),
    path("product-types/", views.ProductTypeListView.as_view(), name="product_types"),
    path("<int:pk>/", views.PlanOverviewView.as_view(), name="overview"),
    path("<int:pk>/tasks/", views.TaskListView.as_view(), name="tasks"),
    path("<int:pk>/tasks/export/", views.TaskExportView.as_view(), name="tasks_export"),
    path("<int:pk>/tasks/new/", views.TaskCreateView.as_view(), name="add_task"),
    path("<int:pk>/scorecard/", views.ScorecardView.as_view(), name="scorecard"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task"),
    path("assignments/<int:pk>/", views.AssignmentView.as_view(), name="assignment"),
    path("evidence/<int:pk>/", download_evidence, name="evidence"),
    path("import/", include("nq57.plans.import_urls")),
]

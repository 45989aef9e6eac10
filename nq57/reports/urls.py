"""/reports/: request a periodic report, follow its generation, download it; schedules."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("new/", views.ReportCreateView.as_view(), name="new"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/progress/", views.ReportProgressView.as_view(), name="progress"),
    path("<int:pk>/download/<str:fmt>/", views.ReportDownloadView.as_view(), name="download"),
    path("<int:pk>/retry/", views.ReportRetryView.as_view(), name="retry"),
    path("schedules/new/", views.ScheduleFormView.as_view(), name="schedule_new"),
    path("schedules/<int:pk>/edit/", views.ScheduleFormView.as_view(), name="schedule_edit"),
    path("schedules/<int:pk>/delete/", views.ScheduleDeleteView.as_view(), name="schedule_delete"),
]

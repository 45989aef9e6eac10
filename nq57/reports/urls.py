"""/reports/: request a periodic report, follow its generation, download it; schedules."""

from django.urls import path  # noqa: F401

app_name = "reports"
urlpatterns = []

"""/dashboards/: the scope dashboard and its drill-down lists, rankings, early warnings, custom dashboards."""

from . import urls_custom, urls_overview, urls_rankings, urls_warnings

app_name = "dashboards"
urlpatterns = [*urls_overview.urlpatterns, *urls_rankings.urlpatterns, *urls_warnings.urlpatterns,
               *urls_custom.urlpatterns]

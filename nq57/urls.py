from django.urls import include, path
from django.views.i18n import set_language

from nq57.orgs import views as org_views

urlpatterns = [
    path("", include("nq57.core.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("nq57.accounts.urls")),
    path("organisations/", include("nq57.orgs.urls")),
    path("plans/", include("nq57.plans.urls")),
    path("indicators/", include("nq57.indicators.urls")),
    path("feedback/", include("nq57.feedback.urls")),
    path("dashboards/", include("nq57.dashboards.urls")),
    path("reports/", include("nq57.reports.urls")),
    path("notifications/", include("nq57.notifications.urls")),
    path("api/v1/organisations/", org_views.api_organisations, name="api_organisations"),
    path("api/v1/organisations/<int:pk>/", org_views.api_organisation, name="api_organisation"),
    path("api/v1/resolve/", org_views.api_resolve, name="api_resolve"),
    path("api/v1/", include("nq57.indicators.api_urls")),
]

handler400 = "nq57.core.views.error_400"
handler403 = "nq57.core.views.error_403"
handler404 = "nq57.core.views.error_404"
handler500 = "nq57.core.views.error_500"

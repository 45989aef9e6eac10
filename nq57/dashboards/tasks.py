"""Background work of the dashboards: keep the dashboards leaders open computed ahead of them."""

from django.tasks import task
from django.utils import timezone


def leaders_scopes():
    """The scopes whose dashboards are kept warm: the nation, the ministries and central agencies, the provinces."""
    from nq57.indicators.queries import national_root
    from nq57.orgs.models import CENTRAL_AGENCY_KINDS, PROVINCE_KINDS, Organisation

    root = national_root()
    others = Organisation.objects.active().filter(kind__in=CENTRAL_AGENCY_KINDS | PROVINCE_KINDS) \
        .exclude(pk=root.pk).order_by("path")
    return [root, *others]


@task()
def refresh_dashboards():
    """Recompute the dashboards of the nation, the ministries and the provinces into the shared cache."""
    from .overview import cache_seconds, refresh_cache

    if cache_seconds() <= 0:
        return {"refreshed": 0}
    from .figures import refresh_figures_cache

    started = timezone.now()
    refresh_figures_cache()  # the rankings' table of every organisation, for the default period
    scopes = leaders_scopes()
    refresh_cache(scopes)
    return {"refreshed": len(scopes), "seconds": round((timezone.now() - started).total_seconds(), 1)}

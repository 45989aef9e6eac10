from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from nq57.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, Organisation


def home(request):
    """Landing page: what NQ57 is, the size of the map, and where to go next."""
    active = Organisation.objects.active()
    counts = {
        "provinces": active.filter(kind__in=PROVINCE_KINDS).count(),
        "communes": active.filter(kind__in=COMMUNE_KINDS).count(),
        "central": active.filter(kind__in=["ministry", "ministerial_agency", "government_agency"]).count(),
    }
    return render(request, "core/home.html", {"counts": counts})


def healthz(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"path": _("Not found.")}}, status=404)
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"permission": _("You do not have permission for this.")}}, status=403)
    return render(request, "403.html", status=403)


def error_400(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"request": _("Bad request.")}}, status=400)
    return render(request, "400.html", status=400)


def error_500(request):
    return render(request, "500.html", status=500)

"""A person's own notifications: the list, and marking them read. Nobody sees anyone else's."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import Notification

PAGE_SIZE = 50


def _safe(request, target, default):
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_GET
@login_required
def notification_list(request):
    """The signed-in person's notifications, newest first; ?unread=1 shows only unread ones."""
    only_unread = request.GET.get("unread") in {"1", "on", "true", "yes"}
    qs = Notification.objects.filter(user=request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "only_unread": only_unread, "unread_total": services.unread_count(request.user),
    })


@require_POST
@login_required
def mark_read(request, pk):
    """Mark one of the person's notifications read; then go back, or open it when asked to."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(actor=request.user, notification_ids=[notification.pk])
    back = _safe(request, request.POST.get("next"), reverse("notifications:list"))
    if request.POST.get("open"):
        return redirect(_safe(request, notification.url, back))
    return redirect(back)


@require_POST
@login_required
def mark_all_read(request):
    """Mark every unread notification of the person read."""
    services.mark_read(actor=request.user)
    return redirect(_safe(request, request.POST.get("next"), reverse("notifications:list")))

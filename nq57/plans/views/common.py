"""Helpers shared by the plan pages: fetching an object the user may see, and showing a service error."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from nq57.core.forms import add_service_errors  # noqa: F401 (the plan views import it from here)

from ..filters import can_view_plan, can_view_task
from ..models import Plan, Task

PAGE_SIZE = 50


def plan_or_403(user, pk):
    """The plan, if the user may see it (404 when there is none, 403 when it is out of scope)."""
    plan = get_object_or_404(Plan.objects.select_related("owner", "issuer", "implements"), pk=pk)
    if not can_view_plan(user, plan):
        raise PermissionDenied
    return plan


def task_or_403(user, pk):
    task = get_object_or_404(Task.objects.select_related("plan", "plan__owner", "group", "product_type"), pk=pk)
    if not can_view_task(user, task):
        raise PermissionDenied
    return task

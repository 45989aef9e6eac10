"""Writes to custom dashboards and their panels.

Every function takes a keyword-only `actor` (None for the system), runs in one transaction, checks the rights
below before anything else, validates with translatable messages and writes an audit row.

Who may do what (see `CustomDashboard`): anyone holding VIEW on an organisation may build a dashboard for it;
a shared dashboard is seen by everyone holding VIEW on its owner, a private one only by its author (while they
still hold VIEW there). The author edits their dashboard; holders of ASSIGN on the owner edit shared ones too.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action

from .models import CustomDashboard, Panel
from .panels import MEASURES, clean_chart, clean_filters

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE
MAX_PANELS = 24  # a dashboard is read at a glance; every panel costs a few queries


def _is_author(user, dashboard):
    return getattr(user, "pk", None) is not None and dashboard.created_by_id == user.pk


def can_see_dashboard(user, dashboard):
    """Shared: VIEW on the owner. Private: its author, while they hold VIEW on the owner."""
    if not can(user, Action.VIEW, dashboard.owner):
        return False
    return dashboard.shared or _is_author(user, dashboard)


def visible_dashboards(user):
    """The dashboards `user` may open (the rule of can_see_dashboard, as a query)."""
    mine = Q(created_by=user) if getattr(user, "pk", None) else Q(pk__in=[])
    return CustomDashboard.objects.restrict(user, Action.VIEW).filter(Q(shared=True) | mine)


def can_edit_dashboard(user, dashboard):
    """The author (while they hold VIEW on the owner), or for a shared dashboard anyone holding ASSIGN on it."""
    if user is None:
        return True
    if _is_author(user, dashboard) and can(user, Action.VIEW, dashboard.owner):
        return True
    return dashboard.shared and can(user, Action.ASSIGN, dashboard.owner)


def _require_edit(actor, dashboard):
    if not can_edit_dashboard(actor, dashboard):
        raise PermissionDenied


def _text(value):
    return (value or "").strip()


def _check_title(title, limit=200):
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    if len(title) > limit:
        raise ValidationError({"title": _("Keep the title under %(limit)s characters.") % {"limit": limit}})


# --- dashboards ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_dashboard(*, actor, owner, title, description="", shared=False):
    """A new dashboard of `owner`, private to its author until shared."""
    if actor is not None and not can(actor, Action.VIEW, owner):
        raise PermissionDenied
    title = _text(title)
    _check_title(title)
    dashboard = CustomDashboard.objects.create(
        owner=owner, title=title, description=_text(description), shared=bool(shared),
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record(actor=actor, obj=dashboard, action=CREATE, after=snapshot(dashboard), verb="dashboard_created")
    return dashboard


@transaction.atomic
def update_dashboard(*, actor, dashboard, title, description="", shared=False):
    """Change the title, the description or whether the dashboard is shared in the owner's scope."""
    _require_edit(actor, dashboard)
    title = _text(title)
    _check_title(title)
    before = snapshot(dashboard)
    verb = "dashboard_updated"
    if bool(shared) != dashboard.shared:
        verb = "dashboard_shared" if shared else "dashboard_unshared"
    dashboard.title, dashboard.description, dashboard.shared = title, _text(description), bool(shared)
    dashboard.save(update_fields=["title", "description", "shared", "updated_at"])
    record(actor=actor, obj=dashboard, action=UPDATE, before=before, after=snapshot(dashboard), verb=verb)
    return dashboard


@transaction.atomic
def delete_dashboard(*, actor, dashboard):
    """Delete the dashboard and its panels."""
    _require_edit(actor, dashboard)
    record(actor=actor, obj=dashboard, action=DELETE, before=snapshot(dashboard), verb="dashboard_deleted")
    dashboard.delete()


# --- panels -------------------------------------------------------------------------------------------------


def _validated(dashboard, title, measure, filters, chart):
    """(title, filters, chart) checked against the owner; one ValidationError with every problem."""
    errors = {}
    if measure not in MEASURES:
        raise ValidationError({"measure": _("Choose a measure.")})
    try:
        filters = clean_filters(measure, filters, dashboard.owner)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        clean_chart(measure, chart, dashboard.owner)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    title = _text(title) or str(MEASURES[measure].label)
    if len(title) > 200:
        errors["title"] = [_("Keep the title under %(limit)s characters.") % {"limit": 200}]
    if errors:
        raise ValidationError(errors)
    return title, filters


@transaction.atomic
def add_panel(*, actor, dashboard, measure, chart, filters=None, title=""):
    """A new panel at the end of the dashboard; an empty title takes the measure's name."""
    _require_edit(actor, dashboard)
    title, filters = _validated(dashboard, title, measure, filters, chart)
    if dashboard.panels.count() >= MAX_PANELS:
        raise ValidationError(_("A dashboard holds at most %(limit)s panels.") % {"limit": MAX_PANELS})
    last = dashboard.panels.aggregate(last=Max("sort_order"))["last"]
    panel = Panel.objects.create(dashboard=dashboard, title=title, measure=measure, filters=filters, chart=chart,
                                 sort_order=0 if last is None else last + 1)
    record(actor=actor, obj=panel, action=CREATE, after=snapshot(panel), verb="panel_added")
    return panel


@transaction.atomic
def update_panel(*, actor, panel, measure, chart, filters=None, title=""):
    """Change a panel's measure, filters, chart or title."""
    _require_edit(actor, panel.dashboard)
    title, filters = _validated(panel.dashboard, title, measure, filters, chart)
    before = snapshot(panel)
    panel.title, panel.measure, panel.filters, panel.chart = title, measure, filters, chart
    panel.save(update_fields=["title", "measure", "filters", "chart"])
    record(actor=actor, obj=panel, action=UPDATE, before=before, after=snapshot(panel), verb="panel_updated")
    return panel


@transaction.atomic
def delete_panel(*, actor, panel):
    """Remove a panel from its dashboard."""
    _require_edit(actor, panel.dashboard)
    record(actor=actor, obj=panel, action=DELETE, before=snapshot(panel), verb="panel_deleted")
    panel.delete()


@transaction.atomic
def move_panel(*, actor, panel, direction):
    """Move a panel one place up or down; the panels are renumbered 0, 1, 2… in their new order."""
    _require_edit(actor, panel.dashboard)
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a panel up or down."))
    panels = list(Panel.objects.select_for_update().filter(dashboard=panel.dashboard_id).order_by("sort_order", "pk"))
    index = next(i for i, p in enumerate(panels) if p.pk == panel.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(panels):
        return panel
    before = {"sort_order": panels[index].sort_order}
    panels[index], panels[target] = panels[target], panels[index]
    changed = []
    for position, item in enumerate(panels):
        if item.sort_order != position:
            item.sort_order = position
            changed.append(item)
    Panel.objects.bulk_update(changed, ["sort_order"])
    moved = panels[target]
    record(actor=actor, obj=moved, action=UPDATE, before=before, after={"sort_order": moved.sort_order},
           verb="panel_moved")
    panel.sort_order = moved.sort_order
    return panel

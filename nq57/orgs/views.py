"""Organisation map pages. The names and shape of the map are public; people, grants and the
audit history of an organisation are shown only to those whose scope covers it."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from nq57.audit.services import history_for
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.text import fold

from .models import Organisation
from .resolution import Resolver

SEARCH_LIMIT = 50
MAX_ID = 2**63 - 1  # ids are 64-bit
TREE_DEPTH = 2  # root, its categories, and the bodies and provinces under them


def _with_child_counts(qs, include_former):
    today = timezone.localdate()
    active_children = Q(children__valid_until__isnull=True) | Q(children__valid_until__gte=today)
    return qs.annotate(child_count=Count("children", filter=None if include_former else active_children))


def _parse_flag(request, name):
    return request.GET.get(name) in {"1", "on", "true", "yes"}


class OrganisationTreeView(View):
    """The map as a tree (top levels open, deeper levels on demand) or a search result list."""

    def get(self, request):
        query = (request.GET.get("q") or "").strip()[:100]
        include_former = _parse_flag(request, "former")
        base = Organisation.objects.all() if include_former else Organisation.objects.active()
        context = {"query": query, "include_former": include_former}
        if query:
            matches = list(base.search(query).exclude(kind="category").order_by("depth", "name")[: SEARCH_LIMIT + 1])
            context["truncated"] = len(matches) > SEARCH_LIMIT
            matches = matches[:SEARCH_LIMIT]
            ancestor_ids = {int(p) for org in matches for p in org.path.split(".") if p} - {o.pk for o in matches}
            names = dict(Organisation.objects.filter(pk__in=ancestor_ids).values_list("pk", "name"))
            names.update({o.pk: o.name for o in matches})
            for org in matches:
                ids = [int(p) for p in org.path.split(".") if p][1:-1]
                org.trail = [names.get(i, "") for i in ids]
            context["matches"] = matches
        else:
            nodes = list(_with_child_counts(base.filter(depth__lte=TREE_DEPTH), include_former).order_by("path"))
            children = {}
            for node in nodes:
                children.setdefault(node.parent_id, []).append(node)
            for node in nodes:
                node.loaded_children = sorted(children.get(node.pk, []), key=lambda o: (o.sort_order, o.name))
            context["roots"] = children.get(None, [])
        # htmx asks for the results region only (search as you type, or the tree again when cleared).
        template = "orgs/_results.html" if request.headers.get("HX-Request") else "orgs/tree.html"
        return render(request, template, context)


class OrganisationChildrenView(View):
    """Children of one node, as an HTML fragment for the tree (htmx) or a plain page."""

    def get(self, request, pk):
        org = get_object_or_404(Organisation, pk=pk)
        include_former = _parse_flag(request, "former")
        base = Organisation.objects.all() if include_former else Organisation.objects.active()
        children = _with_child_counts(base.filter(parent=org), include_former).order_by("sort_order", "name")
        return render(request, "orgs/_children.html", {"org": org, "children": children,
                                                       "include_former": include_former})


class OrganisationDetailView(View):
    """One organisation: where it sits, its units, names and history; people for those in scope."""

    def get(self, request, pk):
        org = get_object_or_404(Organisation.objects.select_related("parent", "successor"), pk=pk)
        may_view = request.user.is_authenticated and can(request.user, Action.VIEW, org)
        children = Organisation.objects.filter(parent=org).order_by("sort_order", "name")
        if not _parse_flag(request, "former"):
            children = children.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
        page = Paginator(children.annotate(child_count=Count("children")), 200).get_page(request.GET.get("page"))
        context = {
            "org": org,
            "ancestors": org.ancestors(),
            "children_page": page,
            "aliases": org.aliases.all(),
            "events": org.events.select_related("related"),
            "incoming_events": org.related_events.select_related("organisation"),
            "predecessors": org.predecessors.all(),
            "may_view": may_view,
            "may_manage": request.user.is_authenticated and can(request.user, Action.MANAGE_USERS, org),
        }
        if may_view:
            context["people"] = org.people.filter(is_active=True).order_by("full_name", "username")
            context["grants"] = org.grants.select_related("user").order_by("role")
        return render(request, "orgs/detail.html", context)


class OrganisationHistoryView(LoginRequiredMixin, View):
    """The audit trail of an organisation record, for those who may see the organisation."""

    def get(self, request, pk):
        org = get_object_or_404(Organisation, pk=pk)
        if not can(request.user, Action.VIEW, org):
            raise PermissionDenied
        page = Paginator(history_for(org), 50).get_page(request.GET.get("page"))
        return render(request, "audit/history.html", {"object": org, "page": page, "back_url": org.get_absolute_url()})


# --- JSON API ------------------------------------------------------------------------------


def _org_json(org):
    return {
        "id": org.pk, "code": org.code, "name": org.name, "short_name": org.short_name, "name_en": org.name_en,
        "kind": org.kind, "admin_code": org.admin_code, "parent_id": org.parent_id,
        "valid_from": org.valid_from.isoformat() if org.valid_from else None,
        "valid_until": org.valid_until.isoformat() if org.valid_until else None,
        "successor_id": org.successor_id, "url": org.get_absolute_url(),
    }


def api_organisations(request):
    """GET /api/v1/organisations/?q=&parent=&kind=&former=1 — the public map, paginated."""
    qs = Organisation.objects.all() if _parse_flag(request, "former") else Organisation.objects.active()
    errors = {}
    if q := (request.GET.get("q") or "").strip():
        qs = qs.search(q[:100])
    if parent := request.GET.get("parent"):
        if not parent.isdecimal():  # isdigit() would let "²" through to int()
            errors["parent"] = _("Must be a number.")
        elif int(parent) > MAX_ID:
            qs = qs.none()  # no such id; the database driver would overflow on it
        else:
            qs = qs.filter(parent_id=int(parent))
    if kind := request.GET.get("kind"):
        qs = qs.filter(kind__in=kind.split(","))
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        errors["page"] = _("Must be a number.")
        page_number = 1
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    paginator = Paginator(qs.order_by("path"), 100)
    if page_number > max(paginator.num_pages, 1):
        return JsonResponse({"errors": {"page": _("No such page.")}}, status=404)
    page = paginator.get_page(page_number)
    return JsonResponse({
        "count": paginator.count, "page": page.number, "pages": paginator.num_pages,
        "results": [_org_json(o) for o in page],
    })


def api_organisation(request, pk):
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        return JsonResponse({"errors": {"id": _("No such organisation.")}}, status=404)
    data = _org_json(org)
    data["aliases"] = list(org.aliases.values_list("name", flat=True))
    data["ancestors"] = [{"id": a.pk, "name": a.name} for a in org.ancestors()]
    return JsonResponse(data)


def api_resolve(request):
    """GET /api/v1/resolve/?name=… — the name-resolution service, for importers and agency systems."""
    if not request.user.is_authenticated:
        return JsonResponse({"errors": {"auth": _("Log in first.")}}, status=401)
    text = (request.GET.get("name") or "").strip()
    if not text:
        return JsonResponse({"errors": {"name": _("Give a name to resolve.")}}, status=400)
    if len(text) > 1000:
        return JsonResponse({"errors": {"name": _("The text is too long (at most 1,000 characters).")}}, status=400)
    results = Resolver().resolve_cell(text) if request.GET.get("list") == "1" else [Resolver().resolve(text)]
    return JsonResponse({"results": [
        {
            "text": r.text, "status": r.status, "via": r.via, "description": r.describe(),
            "organisation": _org_json(r.organisation) if r.organisation else None,
            "named": _org_json(r.named) if r.named and r.via_history else None,
            "group": {"code": r.group.code, "name": r.group.name, "needs_selection": r.group.needs_selection}
            if r.group else None,
            "candidates": [_org_json(c) for c in r.candidates],
        }
        for r in results
    ]})


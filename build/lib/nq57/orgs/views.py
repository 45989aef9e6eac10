"""Organisation map pages. The names and shape of the map are public; people, grants and the
audit history of an organisation are shown only to those whose scope covers it."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from nq57.audit.services import history_for
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.text import fold

from . import actions
from .forms import DetailsForm, MergeForm, RenameForm, SplitForm, UnitForm
from .models import Organisation
from .resolution import AMBIGUOUS, RESOLVED, Resolver

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
            "may_change": request.user.is_authenticated and can(request.user, Action.CHANGE_ORG, org),
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


def _free_code(parent):
    """A new unit code under `parent`: PARENT-001, PARENT-002, …"""
    taken = set(Organisation.objects.filter(code__startswith=f"{parent.code}-").values_list("code", flat=True))
    number = 1
    while f"{parent.code}-{number:03d}" in taken:
        number += 1
    return f"{parent.code}-{number:03d}"


class OrganisationEditView(LoginRequiredMixin, View):
    """Edit an organisation and record its dated history: rename, merge into, split, add a unit."""

    FORMS = {"details": DetailsForm, "rename": RenameForm, "merge": MergeForm, "unit": UnitForm, "split": SplitForm}

    def _org(self, request, pk):
        org = get_object_or_404(Organisation.objects.select_related("parent"), pk=pk)
        if not can(request.user, Action.CHANGE_ORG, org):
            raise PermissionDenied
        return org

    def _render(self, request, org, bound=None, status=200):
        forms = {
            "details": DetailsForm(prefix="details", initial={"short_name": org.short_name, "name_en": org.name_en,
                                                              "website": org.website}),
            "rename": RenameForm(prefix="rename"), "merge": MergeForm(prefix="merge"),
            "unit": UnitForm(prefix="unit"), "split": SplitForm(prefix="split"),
        }
        if bound:
            forms[bound[0]] = bound[1]
        return render(request, "orgs/edit.html", {"org": org, "forms": forms, "active": bound[0] if bound else ""},
                      status=status)

    def get(self, request, pk):
        return self._render(request, self._org(request, pk))

    def post(self, request, pk):
        org = self._org(request, pk)
        operation = request.POST.get("operation", "")
        form_class = self.FORMS.get(operation)
        if form_class is None:
            messages.error(request, _("Unknown operation."))
            return self._render(request, org, status=400)
        form = form_class(request.POST, prefix=operation)
        if form.is_valid():
            try:
                result = self._apply(request, org, operation, form.cleaned_data, form)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            except PermissionDenied:
                form.add_error(None, _("Your roles do not allow this change there."))
            else:
                if result is not None:
                    messages.success(request, _("Saved."))
                    return redirect(result.get_absolute_url())
        return self._render(request, org, (operation, form), status=400)

    def _apply(self, request, org, operation, data, form):
        actor = request.user
        if operation == "details":
            return actions.update_organisation(actor=actor, organisation=org, **data)
        if operation == "rename":
            return actions.rename_organisation(actor=actor, organisation=org, **data)
        if operation == "merge":
            target = self._target(data["into"], form)
            if target is None:
                return None
            actions.merge_organisation(actor=actor, organisation=org, into=target,
                                       effective_date=data["effective_date"], legal_basis=data["legal_basis"],
                                       note=data["note"])
            return org
        if operation == "unit":
            return actions.create_organisation(actor=actor, parent=org, name=data["name"], kind=data["kind"],
                                               code=data["code"] or _free_code(org))
        # split: the new body sits beside this one, under the same parent
        parent = org.parent or org
        return actions.split_organisation(actor=actor, source=org, parent=parent, name=data["name"],
                                          kind=data["kind"], code=data["code"] or _free_code(parent),
                                          effective_date=data["effective_date"], legal_basis=data["legal_basis"])

    @staticmethod
    def _target(text, form):
        """The organisation named by a code or a name (through the name-resolution service)."""
        by_code = Organisation.objects.filter(code__iexact=text.strip()).first()
        if by_code is not None:
            return by_code
        result = Resolver().resolve(text)
        if result.status == RESOLVED:
            return result.organisation
        if result.status == AMBIGUOUS:
            choices = "; ".join(f"{c.name} ({c.code})" for c in result.candidates[:8])
            form.add_error("into", _("Several organisations have this name; type the code: %(choices)s")
                           % {"choices": choices})
        else:
            form.add_error("into", _("No organisation has this code or name."))
        return None


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


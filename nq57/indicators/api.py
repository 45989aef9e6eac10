"""The indicator API for agencies' own systems: read indicators and values, send values.

Authentication: "Authorization: Bearer nq57_…" with a token made on the tokens page (it acts as the
person who made it, within its organisation's subtree), or a signed-in session. Token requests are
exempt from CSRF (no cookie is involved); session writes are not. Every value goes through
`actions.save_value(source="api")`, the same path as the web form and the Excel template.

Answers: 401 without a valid token or session, 403 outside the caller's scope, 400 with field-keyed
errors on bad input, never a 500 for anything a client can send.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from nq57.core.permissions import can, scope_paths
from nq57.core.roles import Action
from nq57.orgs.models import Organisation

from . import actions, periods, validation
from .models import ApiToken, Indicator, IndicatorValue, Target

MAX_ITEMS = 1000
PAGE_SIZE = 1000
MAX_ID = 2**31 - 1
TEXT_FIELDS = ("not_available_reason", "note", "flag_note", "correction_reason", "self_rating", "progress")
BOOL_FIELDS = ("not_available", "submit", "confirm_flags")
NUMBER_FIELDS = ("value", "numerator", "denominator", "weight")
KNOWN_FIELDS = {"indicator", "plan", "organisation", "period", "series", *TEXT_FIELDS, *BOOL_FIELDS, *NUMBER_FIELDS}


def _error(status, errors):
    return JsonResponse({"errors": errors}, status=status)


class Caller:
    """Who is calling: a user, and for a token the organisation its rights are confined to."""

    def __init__(self, user, token=None):
        self.user, self.token = user, token

    def paths(self, action):
        """Path prefixes where the caller may do `action` (None = everywhere), within the token's subtree."""
        paths = scope_paths(self.user, action)
        if self.token is None:
            return paths
        limit = self.token.organisation.path
        if paths is None:
            return [limit]
        kept = set()
        for path in paths:
            if limit.startswith(path):
                kept.add(limit)
            elif path.startswith(limit):
                kept.add(path)
        return sorted(kept)

    def q(self, action, field):
        paths = self.paths(action)
        if paths is None:
            return Q()
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(**{f"{field}__startswith": path})
        return condition

    def can(self, action, organisation):
        if self.token is not None and not organisation.path.startswith(self.token.organisation.path):
            return False
        return can(self.user, action, organisation)


def _authenticate(request):
    """(Caller, None) or (None, a 401 response)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw.startswith(actions.TOKEN_PREFIX) or len(raw) > 200:
            return None, _error(401, {"auth": _("Send the token as: Authorization: Bearer nq57_…")})
        token = (ApiToken.objects.select_related("user", "organisation")
                 .filter(token_hash=actions.hash_token(raw), revoked_at__isnull=True).first())
        if token is None or not token.user.is_active:
            return None, _error(401, {"auth": _("The token is unknown or has been revoked.")})
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return Caller(token.user, token), None
    if request.user.is_authenticated:
        return Caller(request.user), None
    return None, _error(401, {"auth": _("Sign in, or send an API token: Authorization: Bearer nq57_…")})


def _csrf_failure(request):
    """Session writes keep CSRF protection; the view itself is exempt only so tokens can post."""
    check = CsrfViewMiddleware(lambda r: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def _number(value):
    return None if value is None else float(value)


def _target_json(target):
    return {"year": target.year, "series": target.series, "comparator": target.comparator,
            "value": _number(target.value), "value_high": _number(target.value_high), "text": target.text,
            "organisation": target.organisation.code if target.organisation_id else None,
            "milestones": [{"date": m.date.isoformat(), "value": _number(m.value), "text": m.text}
                           for m in target.milestones.all()]}


def _indicator_json(indicator):
    return {
        "id": indicator.pk, "code": indicator.code, "name": indicator.name, "name_en": indicator.name_en,
        "plan": indicator.source_plan.number if indicator.source_plan_id else None,
        "unit": indicator.unit, "value_type": indicator.value_type, "direction": indicator.direction,
        "accumulation": indicator.accumulation, "frequency": indicator.frequency,
        "aggregation": indicator.aggregation, "level": indicator.level, "layer": indicator.layer,
        "owner": indicator.owner.code, "parent": indicator.parent.code if indicator.parent_id else None,
        "due_days": indicator.due_days, "grace_days": indicator.grace_days,
        "targets": [_target_json(t) for t in indicator.targets.all()],
    }


def indicators(request):
    """GET /api/v1/indicators/ — every active indicator with its current targets (definitions are shared
    with anyone who may view something)."""
    caller, failure = _authenticate(request)
    if failure:
        return failure
    if request.method != "GET":
        return _error(405, {"method": _("Use GET.")})
    paths = caller.paths(Action.VIEW)
    if paths is not None and not paths:
        return _error(403, {"permission": _("Your roles do not allow this.")})
    current = Target.objects.filter(is_current=True).select_related("organisation").prefetch_related("milestones")
    qs = (Indicator.objects.filter(is_active=True).select_related("owner", "source_plan", "parent")
          .prefetch_related(Prefetch("targets", queryset=current)))
    if code := request.GET.get("code"):
        qs = qs.filter(code=code)
    return JsonResponse({"count": len(qs), "results": [_indicator_json(i) for i in qs]})


def _value_json(value):
    period = periods.period_containing(value.period_end, value.indicator.frequency)
    return {
        "id": value.pk, "indicator": value.indicator_id, "indicator_code": value.indicator.code,
        "organisation": value.organisation.code, "series": value.series, "period": period.key,
        "period_start": value.period_start.isoformat(), "period_end": value.period_end.isoformat(),
        "value": _number(value.value), "numerator": _number(value.numerator),
        "denominator": _number(value.denominator), "weight": _number(value.weight), "progress": value.progress,
        "not_available": value.not_available, "not_available_reason": value.not_available_reason,
        "self_rating": value.self_rating, "note": value.note, "flags": value.flags, "flag_note": value.flag_note,
        "status": value.status, "version": value.version, "is_current": value.is_current,
        "correction_reason": value.correction_reason, "review_comment": value.review_comment,
        "source": value.source, "due_on": value.due_on.isoformat() if value.due_on else None,
        "submitted_on_time": value.submitted_on_time,
        "submitted_at": value.submitted_at.isoformat() if value.submitted_at else None,
        "reviewed_at": value.reviewed_at.isoformat() if value.reviewed_at else None,
    }


class _Lookup:
    """Indicators and organisations named by the request, each looked up once."""

    def __init__(self):
        self.indicators, self.organisations = {}, {}

    def indicator(self, ref, plan=None):
        """(Indicator, None) or (None, message): a JSON number is an id, a text is a code (with the plan's
        document number when several plans use the code)."""
        if plan is not None and (isinstance(plan, bool) or not isinstance(plan, (str, int)) or "\x00" in str(plan)):
            return None, _("The plan is the document number, e.g. 03/NQ-CP.")
        key = (type(ref).__name__, str(ref).strip(), str(plan))
        if key in self.indicators:
            return self.indicators[key]
        qs = Indicator.objects.select_related("owner")
        if isinstance(ref, bool) or ref in (None, "") or (isinstance(ref, str) and "\x00" in ref):
            found = (None, _("Name the indicator by its id or code."))
        elif isinstance(ref, int):
            match = qs.filter(pk=ref).first() if 0 < ref <= MAX_ID else None
            found = (match, None) if match else (None, _("No indicator has this id."))
        elif isinstance(ref, str):
            qs = qs.filter(code=ref.strip())
            if plan not in (None, ""):
                qs = qs.filter(source_plan__number=str(plan).strip())
            matches = list(qs[:2])
            if not matches:
                found = (None, _("No indicator has this code."))
            elif len(matches) > 1:
                found = (None, _("Several indicators have this code: add \"plan\" (the document number)."))
            else:
                found = (matches[0], None)
        else:
            found = (None, _("Name the indicator by its id or code."))
        self.indicators[key] = found
        return found

    def organisation(self, code):
        if not isinstance(code, str) or not code.strip() or "\x00" in code or len(code) > 100:
            return None
        code = code.strip()
        if code not in self.organisations:
            self.organisations[code] = Organisation.objects.filter(code=code).first()
        return self.organisations[code]


def _list_values(request, caller):
    lookup = _Lookup()
    errors = {}
    qs = IndicatorValue.objects.exclude(status=IndicatorValue.Status.SUPERSEDED)
    indicator = None
    ref = request.GET.get("indicator") or request.GET.get("code")
    if request.GET.get("indicator", "").isdecimal():
        ref = int(ref) if len(ref) < 12 else 0
    if ref not in (None, ""):
        indicator, message = lookup.indicator(ref, request.GET.get("plan"))
        if message:
            errors["indicator"] = [message]
        else:
            qs = qs.filter(indicator=indicator)
    if code := request.GET.get("organisation"):
        organisation = lookup.organisation(code)
        if organisation is None:
            errors["organisation"] = [_("No organisation has this code.")]
        else:
            qs = qs.filter(organisation=organisation)
    if key := request.GET.get("period"):
        if indicator is None:
            errors["period"] = [_("Give the indicator too: the period depends on its frequency.")]
        else:
            period = periods.parse_period(key, indicator.frequency)
            if period is None:
                errors["period"] = [_("Write the period as 2026-Q1, 2026-M03, 2026-H2 or 2026.")]
            else:
                qs = qs.filter(period_end=period.end)
    page = request.GET.get("page", "1")
    if not page.isdecimal() or not 0 < int(page) <= MAX_ID:
        errors["page"] = [_("Must be a positive number.")]
    if errors:
        return _error(400, errors)
    paths_view = caller.paths(Action.VIEW)
    if paths_view is not None and not paths_view:
        return _error(403, {"permission": _("Your roles do not allow this.")})
    # One organisation's values: VIEW on that organisation, or on the indicator's owner agency.
    qs = qs.filter(caller.q(Action.VIEW, "organisation__path") | caller.q(Action.VIEW, "indicator__owner__path"))
    qs = qs.select_related("indicator", "organisation").order_by("indicator__sort_order", "indicator__code",
                                                                 "organisation__path", "period_end", "-version")
    paginator = Paginator(qs, PAGE_SIZE)
    number = int(page)
    if number > max(paginator.num_pages, 1):
        return _error(404, {"page": _("No such page.")})
    current = paginator.get_page(number)
    return JsonResponse({"count": paginator.count, "page": current.number, "pages": paginator.num_pages,
                         "results": [_value_json(v) for v in current]})


def _item_errors(item, lookup, caller):
    """(arguments for save_value, None) or (None, (status, errors))."""
    if not isinstance(item, dict):
        return None, (400, {"item": [_("Each item must be a JSON object.")]})
    errors = {}
    unknown = sorted(set(item) - KNOWN_FIELDS)
    if unknown:
        errors["item"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)[:300]}]
    indicator, message = lookup.indicator(item.get("indicator"), item.get("plan"))
    if message:
        errors["indicator"] = [message]
    organisation = None
    code = item.get("organisation")
    if code is None and caller.token is not None:
        organisation = caller.token.organisation
    else:
        organisation = lookup.organisation(code)
        if organisation is None:
            errors["organisation"] = [_("No organisation has this code.")]
    period = None
    if indicator is not None:
        key = item.get("period")
        period = periods.parse_period(key, indicator.frequency) if isinstance(key, str) else None
        if period is None:
            errors["period"] = [_("Write the period as 2026-Q1, 2026-M03, 2026-H2 or 2026, matching the "
                                  "indicator's frequency (%(frequency)s).") % {"frequency": indicator.frequency}]
    arguments = {}
    series = item.get("series", "")
    if not isinstance(series, str) or len(series) > 100 or "\x00" in series:
        errors["series"] = [_("The series is a text of at most 100 characters.")]
    for name in TEXT_FIELDS:
        text = item.get(name, "")
        if text is None:
            text = ""
        if not isinstance(text, str) or "\x00" in text or len(text) > 10000:
            errors[name] = [_("Must be a text of at most 10,000 characters.")]
        else:
            arguments[name] = text
    for name in BOOL_FIELDS:
        flag = item.get(name, False)
        if not isinstance(flag, bool):
            errors[name] = [_("Must be true or false.")]
        else:
            arguments[name] = flag
    for name in NUMBER_FIELDS:
        number = item.get(name)
        if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float, str))):
            errors[name] = [_("Must be a number.")]
        else:
            arguments[name] = number
    if errors:
        return None, (400, errors)
    if not caller.can(Action.REPORT, organisation):
        return None, (403, {"organisation": [_("You may not report values for this organisation.")]})
    arguments.update(indicator=indicator, organisation=organisation, period=period, series=series)
    return arguments, None


def _save_item(item, lookup, caller, batch):
    arguments, problem = _item_errors(item, lookup, caller)
    if problem:
        status, errors = problem
        return status, {"ok": False, "id": None, "status": None, "errors": errors, "warnings": []}
    try:
        value = actions.save_value(actor=caller.user, source="api", batch=batch, **arguments)
    except PermissionDenied:
        return 403, {"ok": False, "id": None, "status": None, "warnings": [],
                     "errors": {"organisation": [_("You may not report values for this organisation.")]}}
    except ValidationError as exc:
        return 400, {"ok": False, "id": None, "status": None, "errors": validation.message_dict(exc),
                     "warnings": getattr(exc, "warnings", [])}
    return 200, {"ok": True, "id": value.pk, "status": value.status, "version": value.version, "errors": {},
                 "warnings": value.flags}


def _post_values(request, caller):
    try:
        body = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(400, {"json": [_("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]}]})
    if isinstance(body, dict):
        status, result = _save_item(body, _Lookup(), caller, None)
        return JsonResponse(result, status=status)
    if not isinstance(body, list):
        return _error(400, {"json": [_("Send one value as a JSON object, or a list of them.")]})
    if not body:
        return _error(400, {"json": [_("The list is empty.")]})
    if len(body) > MAX_ITEMS:
        return _error(400, {"json": [_("Send at most %(count)d values at once.") % {"count": MAX_ITEMS}]})
    lookup, batch = _Lookup(), validation.Batch()
    # One transaction holds the organisation's rows locked for the whole list; each item is its own savepoint
    # (save_value's), so a refused item leaves the others saved.
    with transaction.atomic():
        results = [_save_item(item, lookup, caller, batch)[1] for item in body]
    saved = sum(1 for r in results if r["ok"])
    return JsonResponse({"saved": saved, "failed": len(results) - saved, "results": results})


@csrf_exempt
def values(request):
    """GET /api/v1/indicators/values/?indicator=<id>|code=<code>&organisation=&period= — values in scope.
    POST the same path with one value or a list of up to 1,000 to save (and, with "submit": true, submit)."""
    caller, failure = _authenticate(request)
    if failure:
        return failure
    if request.method == "GET":
        return _list_values(request, caller)
    if request.method != "POST":
        return _error(405, {"method": _("Use GET or POST.")})
    if caller.token is None and (rejected := _csrf_failure(request)):
        return rejected
    return _post_values(request, caller)

"""The officer's data-entry inbox and the web form of an organisation's values for one period.

Every value is written by actions.save_value (the same service as the XLSX upload and the API), which
checks REPORT on the organisation again, validates and audits. A refused row keeps what was typed and
shows the message next to it; flagged values (jumps, outliers) come back with a confirmation box.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from nq57.core.permissions import can, can_anywhere, scope_paths, scope_q
from nq57.core.roles import Action
from nq57.orgs.models import Organisation

from .. import actions, calendar, exports, validation
from ..forms import ValueForm
from ..models import IndicatorValue
from ..periods import period_containing
from ..queries import entry_periods, entry_rows

V = IndicatorValue.Status
SHOWN = 50
VALUE_RELATED = ("indicator", "organisation", "submitted_by", "reviewed_by")


def _section(key, title, items, empty, count=None):
    for item in items:
        if isinstance(item, IndicatorValue):
            period = period_containing(item.period_end, item.indicator.frequency)
            item.period_key, item.period_label = period.key, period.label
    return {"key": key, "title": title, "items": items, "count": len(items) if count is None else count,
            "empty": empty}


def owed_to_user(user, today):
    """What the organisations where the user holds REPORT owe (calendar.owed_by per granted subtree)."""
    paths = scope_paths(user, Action.REPORT)
    roots = (Organisation.objects.filter(parent__isnull=True) if paths is None
             else Organisation.objects.filter(path__in=paths))
    owed = []
    for organisation in roots:
        owed.extend(calendar.owed_by(organisation, today))
    return owed


class InboxView(LoginRequiredMixin, View):
    """Due (late first), returned, awaiting my approval, my recent submissions."""

    def get(self, request):
        user, today = request.user, timezone.localdate()
        may_report, may_approve = can_anywhere(user, Action.REPORT), can_anywhere(user, Action.APPROVE)
        if not (may_report or may_approve):
            raise PermissionDenied
        sections = []
        fmt = request.GET.get("format", "")
        fmt = fmt if fmt in exports.FORMATS else ""
        shown = None if fmt else SHOWN  # an export lists everything
        if may_report:
            due = [o for o in owed_to_user(user, today) if o.value is None or o.value.status == V.DRAFT]
            due.sort(key=lambda o: (not o.late, o.due_on, o.indicator.sort_order, o.indicator.code,
                                    o.organisation.path))
            sections.append(_section("due", _("Values due"), due[:shown],
                                     _("No value is due from your organisations."), count=len(due)))
            returned = (IndicatorValue.objects.filter(scope_q(user, Action.REPORT, "organisation__path"),
                                                      status=V.RETURNED)
                        .select_related(*VALUE_RELATED).order_by("-reviewed_at", "-pk"))
            sections.append(_section("returned", _("Values returned for correction"), list(returned[:shown]),
                                     _("No value was returned to you."), count=returned.count()))
        if may_approve:
            waiting = (IndicatorValue.objects.filter(scope_q(user, Action.APPROVE, "organisation__path"),
                                                     status=V.SUBMITTED)
                       .select_related(*VALUE_RELATED).order_by("submitted_at", "pk"))
            sections.append(_section("approve", _("Values awaiting your approval"), list(waiting[:shown]),
                                     _("No value awaits your approval."), count=waiting.count()))
        mine = list(IndicatorValue.objects.filter(submitted_by=user).select_related(*VALUE_RELATED)
                    .order_by("-submitted_at", "-pk")[:20])
        sections.append(_section("mine", _("My recent submissions"), mine, _("You have not submitted any value yet.")))
        if fmt:
            return exports.inbox_export(fmt, sections)
        return render(request, "indicators/inbox.html", {"sections": sections, "today": today, "shown": SHOWN})


class EntryView(LoginRequiredMixin, View):
    """The values `org` owes for one period: one row per indicator (and series), saved as drafts or submitted."""

    def _setup(self, request, org):
        organisation = get_object_or_404(Organisation, pk=org)
        if not can(request.user, Action.REPORT, organisation):
            raise PermissionDenied
        today = timezone.localdate()
        rows = entry_rows(organisation, today)
        return organisation, rows, entry_periods(rows), today

    @staticmethod
    def _choose(rows, choices, key, indicator):
        """(period entry, rows of that period) for ?period=&indicator=, or (None, error message)."""
        if indicator:
            if not str(indicator).isdecimal() or len(str(indicator)) > 18:
                return None, _("Unknown indicator.")
            rows = [r for r in rows if r.indicator.pk == int(indicator)]
            if not rows:
                return None, _("This organisation does not report this indicator.")
            choices = entry_periods(rows)
        if key:
            chosen = next((c for c in choices if c["period"].key == key.strip().upper()), None)
            if chosen is None:
                return None, _("“%(key)s” is not a period this organisation owes values for. Choose one from "
                               "the list.") % {"key": key[:20]}
        else:
            # The earliest period with something missing, else the latest one.
            chosen = next((c for c in choices if c["missing"]), choices[-1] if choices else None)
        if chosen is None:
            return None, ""
        return chosen, [r for r in rows if r.period.key == chosen["period"].key]

    def get(self, request, org):
        organisation, rows, choices, today = self._setup(request, org)
        chosen, selected = self._choose(rows, choices, request.GET.get("period", ""), request.GET.get("indicator"))
        if chosen is None and selected:
            return self._render(request, organisation, choices, None, [], error=selected, status=400)
        for row in selected or []:
            if row.editable:
                row.form = ValueForm(prefix=row.prefix, indicator=row.indicator,
                                     initial=ValueForm.initial_from(row.value))
        return self._render(request, organisation, choices, chosen, selected or [])

    def post(self, request, org):
        organisation, rows, choices, today = self._setup(request, org)
        chosen, selected = self._choose(rows, choices, request.POST.get("period", ""), request.POST.get("indicator"))
        if chosen is None:
            return self._render(request, organisation, choices, None, [],
                                error=selected or _("Choose a period."), status=400)
        submit = request.POST.get("action") == "submit"
        saved, failed = 0, 0
        for row in selected:
            if not row.editable:
                continue
            form = row.form = ValueForm(request.POST, prefix=row.prefix, indicator=row.indicator)
            if not form.is_valid():
                failed += 1
                continue
            if not form.is_filled():
                continue
            try:
                actions.save_value(actor=request.user, indicator=row.indicator, organisation=organisation,
                                   period=row.period, series=row.series, submit=submit, source="web",
                                   **form.service_kwargs())
            except ValidationError as exc:
                failed += 1
                show_errors(form, row, exc)
            else:
                saved += 1
        if failed:
            if saved:
                messages.success(request, ngettext("%(n)d value was saved.", "%(n)d values were saved.", saved)
                                 % {"n": saved})
            return self._render(request, organisation, choices, chosen, selected, status=400,
                                error=ngettext("%(n)d row needs your attention.", "%(n)d rows need your attention.",
                                               failed) % {"n": failed})
        if saved:
            messages.success(request, (ngettext("%(n)d value was submitted for approval.",
                                                "%(n)d values were submitted for approval.", saved) if submit
                                       else ngettext("%(n)d value was saved as a draft.",
                                                     "%(n)d values were saved as drafts.", saved)) % {"n": saved})
        else:
            messages.info(request, _("Nothing was typed: nothing was saved."))
        query = {"period": chosen["period"].key}
        if request.POST.get("indicator"):
            query["indicator"] = request.POST["indicator"]
        return redirect(f"{reverse('indicators:entry', args=[organisation.pk])}?{urlencode(query)}")

    def _render(self, request, organisation, choices, chosen, rows, error="", status=200):
        return render(request, "indicators/entry.html", {
            "organisation": organisation, "choices": choices, "chosen": chosen, "rows": rows, "error": error,
            "editable": any(r.editable for r in rows), "indicator_filter": request.GET.get("indicator")
            or request.POST.get("indicator") or "",
            "may_approve": can(request.user, Action.APPROVE, organisation),
        }, status=status)


def show_errors(form, row, exc):
    """A service refusal on the row's form: messages next to their field, the rest on top of the row;
    unconfirmed warnings open the confirmation box."""
    for name, texts in validation.message_dict(exc).items():
        if name == "flags":
            row.warnings = getattr(exc, "warnings", None) or row.warnings
            row.needs_confirmation = True
            for text in texts:
                form.add_error("flag_note" if form.cleaned_data.get("confirm_flags") else "confirm_flags", text)
            continue
        for text in texts:
            form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, text)

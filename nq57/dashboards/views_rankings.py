"""The rankings page: ministries, provinces, or the communes of a province, on five fair measures.

/dashboards/rankings/?peers=ministries|provinces|communes&within=<pk>&measure=composite|<measure>&from=&to=
&format=csv|xlsx. The formulas are the pure functions of ranking.py; every peer's figures (its whole
subtree) come from figures.cached_org_figures (one table of every organisation's figures, kept by the worker for
settings.NQ57_FIGURES_CACHE_SECONDS), so the page costs the same number of queries for 10 peers or 3,321.

Who may rank whom: peers are compared under their common parent (the Government for ministries, the
local-government branch for provinces, the province for its communes); the user needs VIEW on that parent.
A province leader ranks the communes of their own province, never the provinces of the country.
"""

import datetime
import os
from dataclasses import dataclass

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.indicators import charts
from nq57.indicators.exports import table_response
from nq57.indicators.queries import national_root
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, COMMUNE_KINDS, PROVINCE_KINDS, Organisation

from .figures import Figures, cached_org_figures, default_window
from .ranking import COMPOSITE, K, MEASURES, PeerRow, composite, explain, number, percent, rank_peers, rounded

PAGE_SIZE = 100
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
ORG_FIELDS = ("pk", "name", "short_name", "code", "kind", "path", "depth", "sort_order", "parent_id")
PEERS = {
    "ministries": gettext_lazy("Ministries and central agencies"),
    "provinces": gettext_lazy("Provinces and cities"),
    "communes": gettext_lazy("Communes"),
}
TEMPLATE = "dashboards/rankings.html"


class RankingForm(forms.Form):
    """The query string of the page; `from` and `to` are added in __init__ (Python keywords)."""

    peers = forms.ChoiceField(label=gettext_lazy("Peers"), required=False, choices=list(PEERS.items()))
    within = forms.IntegerField(label=gettext_lazy("Communes of"), required=False, min_value=1,
                                max_value=2**31 - 1)
    measure = forms.ChoiceField(label=gettext_lazy("Rank by"), required=False,
                                choices=[(COMPOSITE, gettext_lazy("Composite score"))]
                                + [(m.key, m.label) for m in MEASURES])
    format = forms.ChoiceField(required=False, choices=[("csv", "CSV"), ("xlsx", "Excel")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = gettext_lazy("dd/mm/yyyy")
        self.fields["from"] = forms.DateField(label=gettext_lazy("From"), required=False, help_text=help_text)
        self.fields["to"] = forms.DateField(label=gettext_lazy("To"), required=False, help_text=help_text)
        self.order_fields(["peers", "within", "measure", "from", "to"])

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, _("Choose a date between %(start)s and %(end)s.") % {
                    "start": EARLIEST.strftime("%d/%m/%Y"), "end": LATEST.strftime("%d/%m/%Y")})
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", _("The end of the window is before its start."))
        return data

    def window(self, today):
        """(start, end) asked for, else the last twelve months; one end alone keeps a year-long window."""
        start, end = self.cleaned_data.get("from"), self.cleaned_data.get("to")
        if start and end:
            return start, end
        if end:
            return default_window(end)[0], end
        if start:
            return start, max(start, today)
        return default_window(today)


# --- who is compared with whom -------------------------------------------------------------------------------


def topmost(organisations):
    """Those not inside another one of the list: peers are disjoint subtrees (an agency under a ministry
    counts in the ministry's figures, not as its peer)."""
    kept = []
    for organisation in sorted(organisations, key=lambda o: o.path):
        if not any(organisation.path.startswith(k.path) for k in kept):
            kept.append(organisation)
    return kept


def common_parent_path(organisations):
    """Path of the deepest organisation above all of them ("" when they have none in common)."""
    parents = [o.path.split(".")[:-2] for o in organisations]  # "1.42." → ["1", "42", ""] → ["1"]
    return "".join(f"{part}." for part in os.path.commonprefix(parents)) if parents else ""


def by_order(organisations):
    return sorted(organisations, key=lambda o: (o.sort_order, o.name))


@dataclass
class Comparison:
    """What the page compares: the peers, the organisation above them whose VIEW is required, and the
    organisation the communes are taken from (communes only)."""

    key: str
    parent: Organisation
    peers: list
    within: Organisation | None = None


class Peers:
    """The ministries and provinces of the country (one query) and the parents they are compared under
    (one query), with what the user may rank."""

    def __init__(self, user, root, today):
        self.user, self.root, self.today = user, root, today
        upper = list(Organisation.objects.active(today).filter(kind__in=CENTRAL_AGENCY_KINDS | PROVINCE_KINDS)
                     .only(*ORG_FIELDS))
        self.ministries = by_order(topmost([o for o in upper if o.kind in CENTRAL_AGENCY_KINDS]))
        self.provinces = by_order([o for o in upper if o.kind in PROVINCE_KINDS])
        paths = {common_parent_path(self.ministries), common_parent_path(self.provinces)} - {""}
        parents = {o.path: o for o in Organisation.objects.filter(path__in=paths).only(*ORG_FIELDS)}
        self.parents = {"ministries": parents.get(common_parent_path(self.ministries), root),
                        "provinces": parents.get(common_parent_path(self.provinces), root)}
        self.own_provinces = [p for p in self.provinces if can(user, Action.VIEW, p)]
        self.national = can(user, Action.VIEW, root)

    def may(self, key):
        if key == "communes":
            return bool(self.own_provinces)
        return can(self.user, Action.VIEW, self.parents[key])

    def available(self):
        return [(key, label) for key, label in PEERS.items() if self.may(key)]

    def within_choices(self):
        """Where communes can be taken from: the whole country for national viewers, and each province."""
        return ([self.root] if self.national else []) + self.own_provinces

    def default_key(self):
        return next((key for key in ("provinces", "ministries", "communes") if self.may(key)), None)

    def default_within(self):
        return self.root if self.national else (self.own_provinces[0] if self.own_provinces else None)

    def comparison(self, key, within):
        """The Comparison for ?peers=&within= (within already an Organisation or None); None when the user may
        not rank these peers."""
        if key in ("ministries", "provinces"):
            if not self.may(key):
                return None
            return Comparison(key, self.parents[key], self.ministries if key == "ministries" else self.provinces)
        within = within or self.default_within()
        if within is None or not can(self.user, Action.VIEW, within):
            return None
        communes = by_order(Organisation.objects.active(self.today).filter(kind__in=COMMUNE_KINDS,
                                                                  path__startswith=within.path)
                            .only(*ORG_FIELDS))
        return Comparison(key, within, communes, within=within)


def denied(request, message, status=403):
    return render(request, "dashboards/rankings_denied.html", {"message": message}, status=status)


# --- the rows shown and exported ------------------------------------------------------------------------------


def display_rows(ranked, organisations):
    """The ranked peers with their organisation and each measure's numbers, in rank order."""
    return [{"peer": peer, "organisation": organisations[peer.id], "rank": peer.rank, "score": rounded(peer.score),
             "composite": rounded(peer.composite),
             "cells": [{"measure": m, "score": peer.measures[m.key]} for m in MEASURES]}
            for peer in ranked]


def add_words(rows, k):
    """The rates and the explanation of each rank in words, for the rows shown (not the whole download)."""
    for row in rows:
        for cell in row["cells"]:
            score, measure = cell["score"], cell["measure"]
            cell.update(raw=percent(score.raw), adjusted=percent(score.adjusted), numerator=number(score.numerator),
                        denominator=number(score.denominator), explanation=explain(score, measure, k))
        used = [c for c in row["cells"] if c["score"].weight is not None]
        if row["peer"].composite is None:
            row["summary"] = _("Composite: no measure has a workload in the window, so no score.")
        else:
            row["summary"] = _("Composite: %(parts)s = %(score)s.") % {
                "score": number(row["composite"]),
                "parts": " + ".join(_("%(weight)s × %(adjusted)s") % {"weight": percent(c["score"].weight),
                                                                     "adjusted": c["adjusted"]} for c in used)}
    return rows


def export(fmt, rows, comparison, start, end):
    """The same table as a download: counts, raw and adjusted rates of each measure, the composite."""
    columns = [(_("Rank"), 8, ""), (_("Code"), 12, ""), (_("Organisation"), 40, "")]
    for measure in MEASURES:
        columns += [(_("%(measure)s: numerator") % {"measure": measure.label}, 12, ""),
                    (_("%(measure)s: workload") % {"measure": measure.label}, 12, ""),
                    (_("%(measure)s: rate (%%)") % {"measure": measure.label}, 12, ""),
                    (_("%(measure)s: adjusted (%%)") % {"measure": measure.label}, 12, "")]
    columns += [(_("Composite (0–100)"), 12, ""), (_("Score ranked on (0–100)"), 12, ""),
                (_("Not ranked because"), 40, ""), (_("Window start"), 12, "date"), (_("Window end"), 12, "date")]
    data = []
    for row in rows:
        line = [row["rank"], row["organisation"].code, row["organisation"].name]
        for cell in row["cells"]:
            score = cell["score"]
            line += [round(score.numerator, 2), round(score.denominator, 2), _hundred(score.raw),
                     _hundred(score.adjusted)]
        line += [row["composite"], row["score"], row["peer"].reason, start, end]
        data.append(line)
    name = f"xep-hang-{comparison.key}"
    if comparison.within is not None:
        name += f"-{comparison.within.code}"
    return table_response(fmt, filename=f"{name}-{start.isoformat()}-{end.isoformat()}",
                          sheet_title=_("Ranking"), columns=columns, rows=data)


def _hundred(fraction):
    return None if fraction is None else round(100 * fraction, 1)


def formula_weights(weights=None):
    """Each measure's share of the composite when every measure has a workload."""
    _score, shares = composite({m.key: 1.0 for m in MEASURES}, weights)
    return [{"measure": m, "share": percent(shares.get(m.key), 0)} for m in MEASURES]


# --- the view -------------------------------------------------------------------------------------------------


class RankingsView(LoginRequiredMixin, View):
    """Ranking of peers on the five measures, the formula above the table, a bar chart, CSV and XLSX."""

    def get(self, request):
        user, today = request.user, timezone.localdate()
        root = national_root()
        form = RankingForm(request.GET)
        peers = Peers(user, root, today)
        context = {"form": form, "root": root, "available": peers.available(), "measures": MEASURES, "k": K,
                   "weights": formula_weights(), "within_choices": peers.within_choices()}
        if not peers.available():
            return denied(request, _("Rankings compare ministries or provinces (national viewers), or the communes "
                                     "of a province (its leaders and staff). Your roles cover none of these."))
        if not form.is_valid():
            context["invalid"] = True
            return render(request, TEMPLATE, context, status=400)
        data = form.cleaned_data
        key = data["peers"] or peers.default_key()
        within = None
        if data["within"] is not None:
            within = Organisation.objects.filter(pk=data["within"]).only(*ORG_FIELDS).first()
            if within is None or (within.kind not in PROVINCE_KINDS and within.pk != root.pk):
                form.add_error("within", _("Choose a province (or the whole country) to rank its communes."))
                context["invalid"] = True
                return render(request, TEMPLATE, context, status=400)
            if not data["peers"]:
                key = "communes"
        comparison = peers.comparison(key, within if key == "communes" else None)
        if comparison is None:
            if key == "communes":
                message = _("You may rank only the communes of a province your roles cover.")
            else:
                message = _("Ranking %(peers)s needs a role over all of them (%(parent)s); yours covers only "
                            "part of it. You may rank the communes of your province instead.") % {
                    "peers": PEERS[key].lower(), "parent": peers.parents[key].name}
            return denied(request, message)
        start, end = form.window(today)
        measure = data["measure"] or COMPOSITE
        figures = cached_org_figures(comparison.peers, today=today, window_start=start, window_end=end)
        organisations = {o.pk: o for o in comparison.peers}
        ranked = rank_peers([PeerRow(o.pk, o.name, figures.get(o.pk) or Figures(organisation_id=o.pk))
                             for o in comparison.peers], MEASURES, k=K, sort_by=measure)
        rows = display_rows(ranked, organisations)
        if data["format"]:
            return export(data["format"], rows, comparison, start, end)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        add_words(page.object_list, K)
        measure_label = next((m.label for m in MEASURES if m.key == measure), _("Composite score"))
        chart_rows = [(r["organisation"].short_name or r["organisation"].name, r["score"], "")
                      for r in page if r["score"] is not None]
        context.update({
            "comparison": comparison, "key": key, "measure": measure, "measure_label": measure_label,
            "window_start": start, "window_end": end, "today": today, "page": page, "rows": rows,
            "ranked_count": sum(1 for r in rows if r["rank"] is not None),
            "chart": charts.bar_chart(
                chart_id="ranking-chart",
                title=_("%(measure)s of each organisation, 0–100") % {"measure": measure_label},
                desc=_("Bars in rank order, best first; the table below gives the same scores with their numbers."),
                rows=chart_rows) if chart_rows else "",
        })
        return render(request, TEMPLATE, context)

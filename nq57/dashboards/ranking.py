"""Fair rankings of peers (ministries, provinces, communes of one province): the formulas as pure functions.

No database here: the page reads each peer's Figures (nq57.dashboards.figures) and hands plain numbers to
`rank_peers`. The formulas, shown to users next to every ranking:

- Each measure is a rate numerator ÷ denominator over the window (the denominator is the peer's workload).
- Credibility (empirical Bayes) adjustment: a small workload says little, so its rate is pulled toward the
  peers' pooled mean: adjusted = (numerator + k × mean) ÷ (denominator + k), mean = Σ numerators ÷ Σ
  denominators of all the peers. With a large workload the adjusted rate is the raw rate; with k = 0 it is
  exactly the raw rate.
- A peer with no workload on a measure gets no score on it (not zero): its composite uses the other measures,
  their weights renormalised. A peer with no workload on any measure is not ranked, with the reason.
- Composite 0–100 = weighted mean of the adjusted rates (equal weights unless told otherwise).
- Competition ranking ("1, 2, 2, 4") on the score rounded as shown (one decimal); ties listed by name.
"""

from dataclasses import dataclass, field
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.text import fold
from nq57.indicators.charts import fmt

K = 10  # the credibility constant: a workload of k items counts as much as the peers' mean
PRECISION = 1  # scores are compared as shown: 0–100 with one decimal
COMPOSITE = "composite"


@dataclass(frozen=True)
class Measure:
    """One ranked measure: which Figures fields add up to its numerator and its denominator, and its words."""

    key: str
    label: str
    numerator: tuple
    denominator: tuple
    formula: str  # numerator ÷ denominator in words, for the formula block
    counted: str  # "%(numerator)s of %(denominator)s …", for the explanation of one rank

    def numerator_of(self, figures):
        figures = as_mapping(figures)
        return sum(figures.get(name) or 0 for name in self.numerator)

    def denominator_of(self, figures):
        figures = as_mapping(figures)
        return sum(figures.get(name) or 0 for name in self.denominator)


def as_mapping(figures):
    """Figures as a mapping: a dict as it is, an object (the Figures dataclass) by its attributes."""
    return figures if isinstance(figures, dict) else vars(figures)


MEASURES = (
    Measure(
        "on_time", gettext_lazy("On-time completion"), ("on_time",), ("due",),
        gettext_lazy("assignments completed by their deadline in force ÷ assignments whose deadline fell in the "
                     "window (passed, or completed); cancelled ones left out"),
        gettext_lazy("%(numerator)s of %(denominator)s assignments due were completed on time")),
    Measure(
        "reporting", gettext_lazy("Reporting timeliness"), ("reports_on_time", "values_on_time"),
        ("reports_expected", "values_due"),
        gettext_lazy("progress reports and KPI values submitted on time ÷ progress reports expected and KPI "
                     "values due in the window"),
        gettext_lazy("%(numerator)s of %(denominator)s progress reports and KPI values due were on time")),
    Measure(
        "kpi", gettext_lazy("KPI attainment"), ("kpi_attainment_sum",), ("kpi_assessed",),
        gettext_lazy("sum of the attainments (each capped between 0 and 1) ÷ indicators assessed: the mean "
                     "attainment of the organisation's indicators at the end of the window"),
        gettext_lazy("attainments adding up to %(numerator)s over %(denominator)s indicators assessed")),
    Measure(
        "quality", gettext_lazy("Data quality"), ("quality_ok",), ("quality_checked",),
        gettext_lazy("progress reports and KPI values approved without being returned ÷ those reviewed "
                     "(approved or returned) in the window"),
        gettext_lazy("%(numerator)s of %(denominator)s reviewed reports and KPI values were approved without "
                     "being returned")),
    Measure(
        "feedback", gettext_lazy("Feedback answered on time"), ("feedback_on_time",),
        ("feedback_answered", "feedback_open_overdue"),
        gettext_lazy("submissions answered on time ÷ submissions received in the window and answered, plus "
                     "those still open past their due date today: an unanswered overdue submission counts against"),
        gettext_lazy("%(numerator)s of %(denominator)s submissions (answered, or open past their due date today) "
                     "were answered on time")),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)


@dataclass
class MeasureScore:
    """One peer on one measure: the raw numbers, the raw and adjusted rates (0–1, None without workload)."""

    key: str
    numerator: float
    denominator: float
    raw: float | None
    adjusted: float | None
    peer_mean: float | None
    weight: float | None = None  # its share of the composite after renormalisation (None: not used)


@dataclass
class PeerRow:
    """A peer handed to `rank_peers`: an id, a name for the order of ties, and its figures (mapping or object)."""

    id: object
    name: str
    figures: object


@dataclass
class RankedPeer:
    """A peer after ranking: rank (None when not ranked, then `reason` says why), the score ranked on, the
    composite and each measure's detail."""

    id: object
    name: str
    rank: int | None
    score: float | None
    composite: float | None
    measures: dict = field(default_factory=dict)
    reason: str = ""


# --- the formulas ------------------------------------------------------------------------------------------


def rate(numerator, denominator):
    """numerator ÷ denominator; None without workload (a rate of nothing is not 0 %)."""
    if not denominator or denominator <= 0:
        return None
    return numerator / denominator


def shrink(numerator, denominator, mean, k=K):
    """The credibility-adjusted rate (numerator + k·mean) ÷ (denominator + k); None without workload, the raw
    rate when there is no mean to shrink toward."""
    if not denominator or denominator <= 0:
        return None
    if mean is None or k <= 0:
        return numerator / denominator
    return (numerator + k * mean) / (denominator + k)


def peer_mean(pairs):
    """Pooled mean of (numerator, denominator) pairs: Σ numerators ÷ Σ denominators over those with workload."""
    pairs = [(n, d) for n, d in pairs if d and d > 0]
    return rate(sum(n for n, _d in pairs), sum(d for _n, d in pairs))


def composite(rates, weights=None):
    """Weighted mean (0–100) of the rates (0–1) present, weights renormalised over them.

    rates: {key: rate or None}; weights: {key: weight}, equal when omitted. Returns (score or None,
    {key: share of the composite}) — the shares of the measures used add up to 1."""
    weights = weights or {}
    used = {key: weights.get(key, 1) for key, value in rates.items() if value is not None}
    used = {key: w for key, w in used.items() if w > 0}
    total = sum(used.values())
    if not total:
        return None, {}
    shares = {key: w / total for key, w in used.items()}
    return 100 * sum(rates[key] * share for key, share in shares.items()), shares


def rounded(value, precision=PRECISION):
    return None if value is None else round(value, precision)


def competition_ranks(values, precision=PRECISION):
    """Ranks of `values` (higher is better) in their order: equal values (as rounded) share a rank and the
    next rank skips ("1, 2, 2, 4"); None gets no rank."""
    keys = [rounded(v, precision) for v in values]
    present = sorted((k for k in keys if k is not None), reverse=True)
    first = {}
    for position, key in enumerate(present, start=1):
        first.setdefault(key, position)
    return [None if key is None else first[key] for key in keys]


def check_weights(weights, measures=MEASURES):
    """Weights must be non-negative numbers over known measures, not all zero."""
    keys = {m.key for m in measures}
    unknown = set(weights) - keys
    if unknown:
        raise ValueError(f"unknown measures in weights: {sorted(unknown)}")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    if not any(weights.get(key, 1) > 0 for key in keys):
        raise ValueError("at least one weight must be positive")


def rank_peers(rows, measures=MEASURES, *, k=K, weights=None, sort_by=COMPOSITE, precision=PRECISION):
    """Rank `rows` (PeerRow) on the composite or on one measure's adjusted rate: RankedPeer in rank order,
    ties by name, then the peers not ranked (by name) with their reason."""
    weights = dict(weights or {})
    check_weights(weights, measures)
    if sort_by != COMPOSITE and sort_by not in {m.key for m in measures}:
        raise ValueError(f"unknown measure {sort_by!r}")
    data = [as_mapping(r.figures) for r in rows]
    pairs = {m.key: [(m.numerator_of(d), m.denominator_of(d)) for d in data] for m in measures}
    means = {key: peer_mean(values) for key, values in pairs.items()}
    ranked = []
    for index, row in enumerate(rows):
        scores = {}
        for m in measures:
            numerator, denominator = pairs[m.key][index]
            scores[m.key] = MeasureScore(
                key=m.key, numerator=numerator, denominator=denominator, raw=rate(numerator, denominator),
                adjusted=shrink(numerator, denominator, means[m.key], k), peer_mean=means[m.key])
        value, shares = composite({key: s.adjusted for key, s in scores.items()}, weights)
        for key, share in shares.items():
            scores[key].weight = share
        if sort_by == COMPOSITE:
            score = value
            reason = "" if value is not None else _("No workload on any measure in the window.")
        else:
            adjusted = scores[sort_by].adjusted
            score = None if adjusted is None else 100 * adjusted
            reason = "" if score is not None else _("No workload on this measure in the window.")
        ranked.append(RankedPeer(id=row.id, name=row.name, rank=None, score=score, composite=value,
                                 measures=scores, reason=reason))
    for peer, position in zip(ranked, competition_ranks([p.score for p in ranked], precision)):
        peer.rank = position
    return sorted(ranked, key=lambda p: (p.rank is None, p.rank or 0, fold(p.name), p.name, str(p.id)))


# --- words ---------------------------------------------------------------------------------------------------


def percent(fraction, digits=1):
    """0.8421 → "84.2%" in the active locale; None → "—"."""
    if fraction is None:
        return "—"
    return f"{number_format(round(fraction * 100, digits), digits)}%"  # number_format truncates: round first


def number(value):
    """A count as the locale writes it ("1,234"); a sum of attainments with up to two decimals ("2.5")."""
    return fmt(value, 2)


def explain(score, measure, k=K):
    """One measure of one peer in words: the raw numbers, the raw rate, the adjusted rate and why."""
    if score.raw is None:
        return _("%(measure)s: no workload in the window, so no score; the other measures count instead.") % {
            "measure": measure.label}
    counted = str(measure.counted) % {"numerator": number(score.numerator), "denominator": number(score.denominator)}
    return _("%(measure)s: %(counted)s = %(raw)s; adjusted %(adjusted)s toward the peer mean %(mean)s "
             "(workload %(workload)s, k = %(k)s).") % {
        "measure": measure.label, "counted": counted, "raw": percent(score.raw), "adjusted": percent(score.adjusted),
        "mean": percent(score.peer_mean), "workload": number(score.denominator), "k": number(k)}

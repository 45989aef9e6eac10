"""The measures of an organisation's subtree, for many organisations at once in a constant number of queries.

Used by the map of provinces, the rankings, custom panels and the reports. Every count is over the subtree of
the organisation (its own work and that of every unit below it, by the materialised path), never ad hoc.

Definitions (shown to users next to each ranking; keep the two in step):
- Assignments: top-level assignments (parent is null) of tasks not removed, whose assignee is in the subtree,
  cancelled ones left out.
- due / on_time: as `nq57.plans.metrics.completion_filters` on the deadline in force (revised, else original),
  for deadlines in [window_start, window_end]: due = the outcome is known (deadline passed, or completed);
  on_time = completed on or before the deadline in force.
- overdue / at_risk: the stored timeliness now.
- reports_expected / reports_on_time: progress reports, as `plans.metrics` (one per reporting period of the
  plan's frequency, capped per assignment), restricted to reporting periods ending in the window.
- values_due / values_on_time: current KPI values (IndicatorValue.is_current) of the subtree whose due date
  (due_on) falls in the window, and those submitted on time (submitted_on_time is True).
- quality_checked / quality_ok: data quality = reviewed progress reports and KPI values of the window
  (approved or returned), and those approved without being returned.
- kpi_assessed / kpi_attainment_sum / kpi_green / kpi_amber / kpi_red: the organisation's own stored roll-ups
  (IndicatorRollup at that organisation), latest period ending on or before window_end per indicator, with an
  attainment; attainment capped to [0, 1] before summing.
- feedback_received / answered / on_time: submissions whose lead agency is in the subtree, received in the
  window; answered (answered_at set) and answered on time (answered_on_time). feedback_open_overdue: not yet
  answered and past their due date today.
"""

import datetime
from dataclasses import dataclass, fields


@dataclass
class Figures:
    """Counts for one organisation's subtree over a window. Rates are derived, never stored."""

    organisation_id: int
    assignments: int = 0
    completed: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    at_risk: int = 0
    reports_expected: int = 0
    reports_on_time: int = 0
    values_due: int = 0
    values_on_time: int = 0
    quality_checked: int = 0
    quality_ok: int = 0
    kpi_assessed: int = 0
    kpi_attainment_sum: float = 0.0
    kpi_green: int = 0
    kpi_amber: int = 0
    kpi_red: int = 0
    feedback_received: int = 0
    feedback_answered: int = 0
    feedback_on_time: int = 0
    feedback_open_overdue: int = 0

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


def default_window(today):
    """The last twelve months up to today, both included."""
    return today.replace(year=today.year - 1) + datetime.timedelta(days=1), today


def org_figures(organisations, *, today, window_start, window_end):
    """{organisation pk: Figures} for each organisation's subtree. A constant number of queries whatever the
    number of organisations (one GROUP BY per source per distinct path length among them)."""
    raise NotImplementedError


def scope_figures(scope, *, today, window_start, window_end):
    """Figures of one scope's subtree."""
    return org_figures([scope], today=today, window_start=window_start, window_end=window_end)[scope.pk]

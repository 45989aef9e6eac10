"""The tile-grid map of the 34 provinces: one equal square per province, placed roughly where it lies
(data/tilegrid.json), coloured in five classes of a chosen measure. Server-rendered SVG, nothing loaded
from the internet; the page shows the same rows as a table.

Classes run from 1 (worst) to 5 (best) whatever the measure's direction, so one palette reads the same way
for every measure; provinces without data (nothing due, nothing answered…) get the class "none".
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

GRID_FILE = Path(__file__).resolve().parent / "data" / "tilegrid.json"
# Worst to best; "none" for no data. Text on the tile is white on the dark classes.
CLASS_COLOURS = {1: "#b00020", 2: "#e0703a", 3: "#e8b63d", 4: "#7fb77e", 5: "#1e6b2f", "none": "#d9dde3"}
DARK_CLASSES = {1, 5}
TILE, GAP = 52, 4
RATE_BREAKS = (0.5, 0.7, 0.8, 0.9)
SHARE_BREAKS = (0.05, 0.1, 0.2, 0.3)


@cache
def tile_grid():
    """{organisation code: {"row", "col", "abbr"}} and the grid's size, read once."""
    data = json.loads(GRID_FILE.read_text(encoding="utf-8"))
    return data["tiles"], data["rows"], data["columns"]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    numerator: str
    denominator: str | None  # None: a count
    higher_is_better: bool
    definition: str


MEASURES = {m.key: m for m in [
    Measure("on_time", gettext_lazy("On-time completion"), "on_time", "due", True,
            gettext_lazy("Assignments completed by their deadline in force ÷ assignments whose deadline fell in "
                         "the last twelve months and has passed, or that are completed.")),
    Measure("overdue", gettext_lazy("Overdue assignments"), "overdue", None, False,
            gettext_lazy("Top-level assignments overdue today.")),
    Measure("overdue_share", gettext_lazy("Overdue share"), "overdue", "assignments", False,
            gettext_lazy("Overdue assignments ÷ all assignments (cancelled ones left out).")),
    Measure("kpi", gettext_lazy("KPI attainment"), "kpi_attainment_sum", "kpi_assessed", True,
            gettext_lazy("Mean attainment of the province's indicators (latest period, each capped to 0–100 %).")),
    Measure("feedback_on_time", gettext_lazy("Feedback answered on time"), "feedback_on_time", "feedback_answered",
            True, gettext_lazy("Submissions answered on time ÷ submissions answered, received in the last twelve "
                               "months, lead agency in the province.")),
    Measure("reporting_on_time", gettext_lazy("Reporting on time"), "reports_on_time", "reports_expected", True,
            gettext_lazy("Progress reports received on time ÷ reports expected for reporting periods ending in the "
                         "last twelve months.")),
]}
DEFAULT_MEASURE = "on_time"


def value_of(measure, figures):
    """(value or None, numerator, denominator or None) of a measure from one Figures."""
    numerator = getattr(figures, measure.numerator)
    if measure.denominator is None:
        return numerator, numerator, None
    denominator = getattr(figures, measure.denominator)
    return (numerator / denominator if denominator else None), numerator, denominator


def count_breaks(values):
    """Breaks for a count (lower is better): 0 on its own, then four equal steps up to the largest."""
    largest = max((v for v in values if v is not None), default=0)
    step = max(1, math.ceil(largest / 4))
    return (1, 1 + step, 1 + 2 * step, 1 + 3 * step)


def breaks_for(measure, values):
    if measure.denominator is None:
        return count_breaks(values)
    return RATE_BREAKS if measure.higher_is_better else SHARE_BREAKS


def classify(value, breaks, higher_is_better):
    """1 (worst) … 5 (best), or "none" without a value."""
    if value is None:
        return "none"
    above = sum(1 for b in breaks if value >= b)  # 0…4
    return above + 1 if higher_is_better else 5 - above


def format_value(measure, value):
    if value is None:
        return "—"
    if measure.denominator is None:
        return number_format(value, 0, force_grouping=True)
    return f"{number_format(value * 100, 0)}%"


def legend(measure, breaks):
    """[(class, label)] from worst to best."""
    if measure.denominator is None:
        b = breaks
        spans = [(b[3], None), (b[2], b[3] - 1), (b[1], b[2] - 1), (b[0], b[1] - 1), (0, 0)]
        labels = []
        for low, high in spans:
            if high is None:
                labels.append(f"≥ {number_format(low, 0, force_grouping=True)}")
            elif low == high:
                labels.append(number_format(low, 0, force_grouping=True))
            else:
                labels.append(f"{number_format(low, 0, force_grouping=True)}–"
                              f"{number_format(high, 0, force_grouping=True)}")
        return list(zip([1, 2, 3, 4, 5], labels, strict=True))
    pct = [f"{number_format(b * 100, 0)}%" for b in breaks]
    ascending = [f"< {pct[0]}", f"{pct[0]}–{pct[1]}", f"{pct[1]}–{pct[2]}", f"{pct[2]}–{pct[3]}", f"≥ {pct[3]}"]
    if measure.higher_is_better:
        return list(zip([1, 2, 3, 4, 5], ascending, strict=True))
    return list(zip([1, 2, 3, 4, 5], ascending[::-1], strict=True))


def map_rows(measure, provinces, figures, *, link=None):
    """One row per province: organisation, tile position, value, numerator, denominator, class, url (or None).

    `figures` is {organisation pk: Figures} (provinces outside the scope are absent: no data);
    `link(province)` gives the url of the province's dashboard, or None when the user may not open it."""
    tiles, _rows, _cols = tile_grid()
    values = {}
    for province in provinces:
        f = figures.get(province.pk)
        values[province.pk] = value_of(measure, f) if f is not None else (None, None, None)
    breaks = breaks_for(measure, [v[0] for v in values.values()])
    rows = []
    for province in provinces:
        value, numerator, denominator = values[province.pk]
        tile = tiles.get(province.code)
        rows.append({
            "organisation": province, "tile": tile, "value": value, "numerator": numerator,
            "denominator": denominator, "text": format_value(measure, value),
            "css_class": classify(value, breaks, measure.higher_is_better),
            "url": link(province) if link else None,
        })
    return rows, legend(measure, breaks)


def svg(measure, rows, *, chart_id="province-map"):
    """The tile map: one square per province with its label and value, a <title> each, a link when allowed."""
    _tiles, n_rows, n_cols = tile_grid()
    width, height = n_cols * (TILE + GAP) + GAP, n_rows * (TILE + GAP) + GAP
    body = []
    for row in rows:
        tile = row["tile"]
        if tile is None:
            continue
        x, y = GAP + tile["col"] * (TILE + GAP), GAP + tile["row"] * (TILE + GAP)
        css = row["css_class"]
        text_fill = "#ffffff" if css in DARK_CLASSES else "#1b1f24"
        name = row["organisation"].name
        title = f"{name}: {row['text']}"
        if row["denominator"] is not None:
            title += f" ({number_format(row['numerator'] or 0, 0, force_grouping=True)} / " \
                     f"{number_format(row['denominator'], 0, force_grouping=True)})"
        inner = (f'<title>{escape(title)}</title>'
                 f'<rect class="tile tile-c{css}" x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" '
                 f'fill="{CLASS_COLOURS[css]}"/>'
                 f'<text x="{x + TILE / 2:g}" y="{y + 21}" text-anchor="middle" font-size="12" font-weight="700" '
                 f'fill="{text_fill}">{escape(tile["abbr"])}</text>'
                 f'<text x="{x + TILE / 2:g}" y="{y + 39}" text-anchor="middle" font-size="11" '
                 f'fill="{text_fill}">{escape(row["text"])}</text>')
        code = escape(row["organisation"].code)
        if row["url"]:
            body.append(f'<a href="{escape(row["url"])}" class="tile-link" data-code="{code}">{inner}</a>')
        else:
            body.append(f'<g class="tile-nolink" data-code="{code}">{inner}</g>')
    title = _("Map of the provinces: %(measure)s") % {"measure": measure.label}
    desc = _("One square per province, placed roughly where it lies, north at the top; the colour shows the "
             "class of the value, from worst (red) to best (green), grey without data. The table next to the "
             "map gives the same figures.")
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart tilemap" '
        f'role="group" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f'{"".join(body)}</svg>')

"""Server-rendered SVG charts of the KPI pages: a sparkline, a time series and a horizontal bar chart.

Plain strings of SVG, escaped here and marked safe, so the pages need no JavaScript and pass the
content security policy (no inline style: colours are presentation attributes and classes of app.css).
Every chart carries <title> and <desc> and sits next to a table with the same numbers.
"""

import datetime
import math

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

RAG_COLOURS = {"green": "#1e6b2f", "amber": "#b36b00", "red": "#b00020"}
NEUTRAL = "#5b6675"
ACTUAL = "#0b4f9c"
EXPECTED = "#6b7280"
TARGET = "#a50e0e"


def fmt(value, digits=2):
    """A number as the locale writes it, without trailing zeros: 85 → "85", 12.5 → "12,5"."""
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "—"
    rounded = round(value, digits)
    if rounded == int(rounded):
        return number_format(int(rounded), 0, force_grouping=True)
    text = number_format(rounded, digits, force_grouping=True)
    separator = number_format(0.5, 1)[1]  # the locale's decimal separator
    if separator in text:
        text = text.rstrip("0").rstrip(separator)
    return text


def _n(x):
    """A coordinate: short, and with a dot whatever the locale."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width, height, chart_id, title, desc, body, css=""):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart {css}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f'{body}</svg>')


def nice_ticks(low, high, count=5):
    """Round tick values covering [low, high]: 0, 20, 40… rather than 0, 17.3, 34.6…"""
    if low == high:
        low, high = (low - 1, high + 1) if low else (0, 1)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, tick = [], start
    while tick < high + step * 0.5:
        ticks.append(round(tick, 10))
        tick += step
    if ticks[-1] < high:
        ticks.append(round(tick, 10))
    return ticks


def _segments(points):
    """Split a list of (x, y or None) into runs without gaps: a missing period breaks the line."""
    runs, run = [], []
    for x, y in points:
        if y is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    return runs


def sparkline(values, *, chart_id, label, width=96, height=24, rag=""):
    """A small trend line of the last periods' values (None = not reported); the last point is marked."""
    numbers = [float(v) for v in values if v is not None]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = (width - 6) / max(len(values) - 1, 1)

    def xy(i, v):
        return 3 + i * step, height - 3 - (float(v) - low) / span * (height - 6) if high != low else height / 2

    points = [(xy(i, v) if v is not None else (None, None)) for i, v in enumerate(values)]
    body = []
    for run in _segments([(p[0], p[1]) for p in points]):
        if len(run) > 1:
            body.append('<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>'.format(
                ACTUAL, " ".join(f"{_n(x)},{_n(y)}" for x, y in run)))
    last = next((p for p in reversed(points) if p[0] is not None), None)
    if last:
        body.append(f'<circle cx="{_n(last[0])}" cy="{_n(last[1])}" r="2.5" '
                    f'fill="{RAG_COLOURS.get(rag, ACTUAL)}"/>')
    desc = "; ".join(fmt(v) for v in values)
    return _svg(width, height, chart_id, label, desc, "".join(body), css="sparkline")


def _to_ordinal(day):
    return day.toordinal() if isinstance(day, datetime.date) else float(day)


def time_series_chart(*, chart_id, title, desc, actual, trajectory=(), targets=(), unit="",
                      width=640, height=300):
    """Actual roll-up values as a line with points, the expected trajectory dashed, targets as diamonds.

    actual: [(date, value or None, label)]; trajectory: [(date, value)]; targets: [(date, value, label)].
    The x axis is time (years marked), the y axis the indicator's unit.
    """
    left, right, top, bottom = 64, 24, 20, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    dates = [d for d, v, _l in actual] + [d for d, v in trajectory] + [d for d, v, _l in targets]
    values = [float(v) for _d, v, _l in actual if v is not None] + [float(v) for _d, v in trajectory if v is not None] \
        + [float(v) for _d, v, _l in targets if v is not None]
    if not dates or not values:
        return ""
    x_low, x_high = min(_to_ordinal(d) for d in dates), max(_to_ordinal(d) for d in dates)
    if x_low == x_high:
        x_low, x_high = x_low - 180, x_high + 180
    ticks = nice_ticks(min(values), max(values))
    y_low, y_high = ticks[0], ticks[-1]

    def x(day):
        return left + (_to_ordinal(day) - x_low) / (x_high - x_low) * plot_w

    def y(value):
        return top + plot_h - (float(value) - y_low) / ((y_high - y_low) or 1) * plot_h

    body = ['<g class="axis" font-size="11" fill="#444">']
    for tick in ticks:
        ty = y(tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(ty)}" y2="{_n(ty)}" stroke="#e3e6ea"/>'
                    f'<text x="{left - 6}" y="{_n(ty + 4)}" text-anchor="end">{escape(fmt(tick))}</text>')
    first_year = datetime.date.fromordinal(int(x_low)).year
    last_year = datetime.date.fromordinal(int(x_high)).year
    years = [datetime.date(yr, 1, 1) for yr in range(first_year, last_year + 2)
             if x_low <= datetime.date(yr, 1, 1).toordinal() <= x_high]
    step = max(1, math.ceil(len(years) / 10))
    for day in years[::step]:
        tx = x(day)
        body.append(f'<line x1="{_n(tx)}" x2="{_n(tx)}" y1="{top}" y2="{top + plot_h}" stroke="#eef0f3"/>'
                    f'<text x="{_n(tx)}" y="{top + plot_h + 16}" text-anchor="middle">{day.year}</text>')
    if not years:  # less than a year shown: label the reported periods instead
        for day, _v, label in actual:
            body.append(f'<text x="{_n(x(day))}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#444"/>'
                f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#444"/>')
    body.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">{escape(_("Period"))}</text>')
    if unit:
        body.append(f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" '
                    f'transform="rotate(-90 12 {_n(top + plot_h / 2)})">{escape(unit[:40])}</text>')
    body.append("</g>")
    if trajectory:
        run = [(x(d), y(v)) for d, v in trajectory if v is not None]
        if len(run) > 1:
            body.append('<polyline class="expected" fill="none" stroke="{}" stroke-width="1.5" '
                        'stroke-dasharray="6 4" points="{}"/>'.format(
                            EXPECTED, " ".join(f"{_n(px)},{_n(py)}" for px, py in run)))
    for d, v, label in targets:
        if v is None:
            continue
        tx, ty = x(d), y(v)
        body.append(f'<path class="target" d="M{_n(tx)} {_n(ty - 6)} L{_n(tx + 6)} {_n(ty)} L{_n(tx)} {_n(ty + 6)} '
                    f'L{_n(tx - 6)} {_n(ty)} Z" fill="{TARGET}"><title>{escape(label)}</title></path>')
    for run in _segments([(x(d), None if v is None else y(v)) for d, v, _l in actual]):
        if len(run) > 1:
            body.append('<polyline class="actual" fill="none" stroke="{}" stroke-width="2.5" points="{}"/>'.format(
                ACTUAL, " ".join(f"{_n(px)},{_n(py)}" for px, py in run)))
    for d, v, label in actual:
        if v is not None:
            body.append(f'<circle cx="{_n(x(d))}" cy="{_n(y(v))}" r="3.5" fill="{ACTUAL}">'
                        f'<title>{escape(label)}: {escape(fmt(v))}</title></circle>')
    return _svg(width, height, chart_id, title, desc, "".join(body), css="timeseries")


def bar_chart(*, chart_id, title, desc, rows, width=640, label_width=190):
    """Horizontal bars, one per row: rows = [(label, value or None, rag)]; a missing value shows "—"."""
    row_h, top, bottom = 22, 8, 24
    height = top + bottom + row_h * max(len(rows), 1)
    numbers = [float(v) for _l, v, _r in rows if v is not None]
    if not numbers:
        return ""
    low, high = min(0.0, min(numbers)), max(0.0, max(numbers))
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    plot_left, plot_w = label_width + 8, width - label_width - 8 - 56

    def x(value):
        return plot_left + (float(value) - low) / ((high - low) or 1) * plot_w

    body = ['<g font-size="11" fill="#333">']
    for tick in ticks:
        tx = x(tick)
        body.append(f'<line x1="{_n(tx)}" x2="{_n(tx)}" y1="{top}" y2="{height - bottom}" stroke="#e3e6ea"/>'
                    f'<text x="{_n(tx)}" y="{height - 8}" text-anchor="middle">{escape(fmt(tick))}</text>')
    zero = x(0)
    for i, (label, value, rag_value) in enumerate(rows):
        cy = top + i * row_h
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(f'<text x="{label_width}" y="{cy + 15}" text-anchor="end">{escape(short)}</text>')
        if value is None:
            body.append(f'<text x="{_n(zero + 4)}" y="{cy + 15}">—</text>')
            continue
        end = x(value)
        bar_x, bar_w = min(zero, end), abs(end - zero)
        body.append(f'<rect x="{_n(bar_x)}" y="{cy + 4}" width="{_n(max(bar_w, 1))}" height="{row_h - 8}" '
                    f'fill="{RAG_COLOURS.get(rag_value, NEUTRAL)}"><title>{escape(label)}: {escape(fmt(value))}'
                    f'</title></rect><text x="{_n(max(end, zero) + 4)}" y="{cy + 15}">{escape(fmt(value))}</text>')
    body.append(f'<line x1="{_n(zero)}" x2="{_n(zero)}" y1="{top}" y2="{height - bottom}" stroke="#444"/></g>')
    return _svg(width, height, chart_id, title, desc, "".join(body), css="bars")

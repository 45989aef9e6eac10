"""SVG charts of the scope dashboard that the KPI pages' `nq57.indicators.charts` lacks: stacked horizontal
bars (assignments of each task group by timeliness) and monthly columns (one or two series side by side).

Same conventions as `nq57.indicators.charts`: plain SVG strings, escaped and marked safe, colours as
presentation attributes, a <title> and <desc>, and a table with the same numbers next to every chart.
"""

from django.utils.html import escape

from nq57.indicators.charts import ACTUAL, _n, _svg, fmt, nice_ticks

SECOND = "#7a8793"


def stacked_bars(*, chart_id, title, desc, rows, categories, width=640, label_width=190):
    """One horizontal bar per row, split by category: rows = [(label, {category: count})],
    categories = [(key, label, colour)]. A legend runs under the bars."""
    row_h, top = 24, 8
    legend_h = 22 * ((len(categories) + 2) // 3)
    height = top + row_h * max(len(rows), 1) + 26 + legend_h
    totals = [sum(counts.get(k, 0) for k, _l, _c in categories) for _label, counts in rows]
    if not rows or not any(totals):
        return ""
    ticks = nice_ticks(0, max(totals))
    high = ticks[-1] or 1
    plot_left, plot_w = label_width + 8, width - label_width - 8 - 48

    def x(value):
        return plot_left + value / high * plot_w

    body = ['<g font-size="11" fill="#333">']
    axis_y = top + row_h * len(rows)
    for tick in ticks:
        tx = x(tick)
        body.append(f'<line x1="{_n(tx)}" x2="{_n(tx)}" y1="{top}" y2="{axis_y}" stroke="#e3e6ea"/>'
                    f'<text x="{_n(tx)}" y="{axis_y + 14}" text-anchor="middle">{escape(fmt(tick))}</text>')
    for i, ((label, counts), total) in enumerate(zip(rows, totals, strict=True)):
        cy = top + i * row_h
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(f'<text x="{label_width}" y="{cy + 16}" text-anchor="end">{escape(short)}</text>')
        start = 0
        for key, category_label, colour in categories:
            n = counts.get(key, 0)
            if not n:
                continue
            body.append(f'<rect x="{_n(x(start))}" y="{cy + 4}" width="{_n(max(x(start + n) - x(start), 1))}" '
                        f'height="{row_h - 8}" fill="{colour}"><title>{escape(label)} — {escape(category_label)}: '
                        f'{escape(fmt(n))}</title></rect>')
            start += n
        body.append(f'<text x="{_n(x(total) + 4)}" y="{cy + 16}">{escape(fmt(total))}</text>')
    body.append(f'<line x1="{plot_left}" x2="{plot_left}" y1="{top}" y2="{axis_y}" stroke="#444"/>')
    legend_top = axis_y + 26
    column_w = (width - 16) / 3
    for j, (_key, category_label, colour) in enumerate(categories):
        lx, ly = 8 + (j % 3) * column_w, legend_top + (j // 3) * 22
        body.append(f'<rect x="{_n(lx)}" y="{_n(ly)}" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{_n(lx + 18)}" y="{_n(ly + 10)}">{escape(category_label)}</text>')
    body.append("</g>")
    return _svg(width, height, chart_id, title, desc, "".join(body), css="stacked")


def month_columns(*, chart_id, title, desc, labels, series, width=640, height=240):
    """Vertical columns per month: labels = ["01/2026", …]; series = [(name, [value…], colour)] — one or two
    series, drawn side by side, with a legend when there are two."""
    values = [v for _name, data, _c in series for v in data if v is not None]
    if not labels or not values:
        return ""
    left, right, top, bottom = 40, 12, 12, 44 if len(series) > 1 else 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(0, max(values) or 1)
    high = ticks[-1] or 1
    slot = plot_w / len(labels)
    bar_w = slot * 0.7 / len(series)

    def y(value):
        return top + plot_h - value / high * plot_h

    body = ['<g font-size="11" fill="#333">']
    for tick in ticks:
        ty = y(tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(ty)}" y2="{_n(ty)}" stroke="#e3e6ea"/>'
                    f'<text x="{left - 6}" y="{_n(ty + 4)}" text-anchor="end">{escape(fmt(tick))}</text>')
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.15
        for j, (name, data, colour) in enumerate(series):
            value = data[i]
            if value is None:
                continue
            bx, by = x0 + j * bar_w, y(value)
            body.append(f'<rect x="{_n(bx)}" y="{_n(by)}" width="{_n(max(bar_w - 1, 1))}" '
                        f'height="{_n(max(top + plot_h - by, 0))}" fill="{colour}"><title>{escape(label)} — '
                        f'{escape(name)}: {escape(fmt(value))}</title></rect>')
        if i % 2 == 0 or len(labels) <= 6:
            body.append(f'<text x="{_n(left + i * slot + slot / 2)}" y="{top + plot_h + 14}" '
                        f'text-anchor="middle">{escape(label)}</text>')
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#444"/>')
    if len(series) > 1:
        for j, (name, _data, colour) in enumerate(series):
            lx = left + j * 180
            body.append(f'<rect x="{lx}" y="{height - 14}" width="12" height="12" fill="{colour}"/>'
                        f'<text x="{lx + 18}" y="{height - 4}">{escape(name)}</text>')
    body.append("</g>")
    return _svg(width, height, chart_id, title, desc, "".join(body), css="columns")


__all__ = ["ACTUAL", "SECOND", "month_columns", "stacked_bars"]

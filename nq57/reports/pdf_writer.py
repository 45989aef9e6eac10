"""The periodic report as a PDF with the same administrative layout as the Word document (Decree 30/2020/NĐ-CP).

reportlab's platypus lays it out: A4, margins 20/20/30/15 mm; the vendored DejaVu Serif family (see `layout`),
embedded; long tables split across pages with their header row repeated; the page number at the bottom from
page 2.
DejaVu Serif is wider than Times New Roman, so the sizes are one step smaller than in the Word document.
"""

import os
from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (CondPageBreak, HRFlowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

from . import layout

FONT, BOLD, ITALIC, BOLD_ITALIC = layout.FONT, layout.BOLD, layout.ITALIC, layout.BOLD_ITALIC

BODY_SIZE = 11.5
TABLE_SIZE = 8.5
MARGINS = {"top": 20 * mm, "bottom": 20 * mm, "left": 30 * mm, "right": 15 * mm}
PAGE_WIDTH, PAGE_HEIGHT = A4
TEXT_WIDTH = PAGE_WIDTH - MARGINS["left"] - MARGINS["right"]
FRAME_HEIGHT = PAGE_HEIGHT - MARGINS["top"] - MARGINS["bottom"] - 12  # the frame pads 6 pt above and below
HEADER_COLUMNS = (65 * mm, TEXT_WIDTH - 65 * mm)
CLOSING_COLUMNS = (75 * mm, TEXT_WIDTH - 75 * mm)
CELL_PADDING = 3
HEADER_FILL = colors.HexColor("#E7E6E6")


def write(content, path_or_stream):
    """Write `content` (a ReportContent) as a PDF to a file path or a binary stream."""
    layout.register_fonts()
    target = os.fspath(path_or_stream) if isinstance(path_or_stream, os.PathLike) else path_or_stream
    with translation.override(content.language):
        styles = _styles(layout.fixed(content.language))
        story = _national_header(content, styles) + _title(content, styles)
        for index, section in enumerate(content.sections, start=1):
            story += _section(index, section, styles)
        story += _closing(content, styles)
        document = SimpleDocTemplate(
            target, pagesize=A4, leftMargin=MARGINS["left"], rightMargin=MARGINS["right"],
            topMargin=MARGINS["top"], bottomMargin=MARGINS["bottom"],
            title=layout.one_line(f"{content.title} {content.subtitle}"),
            author=layout.one_line(content.issuing_body), subject=layout.one_line(content.period_label),
            creator="NQ57", lang="en-GB" if content.language.startswith("en") else "vi-VN",
        )
        document.build(story, onFirstPage=_no_page_number, onLaterPages=_page_number)


def _styles(words):
    def style(name, size=BODY_SIZE, font=FONT, align=TA_LEFT, **options):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=round(size * 1.3, 1), alignment=align,
                              **options)

    return {
        "organisation": style("organisation", 10.5, align=TA_CENTER),
        "organisation_bold": style("organisation_bold", 10.5, BOLD, TA_CENTER),
        "national_name": style("national_name", _fitting_size(words["national_name"], BOLD,
                                                              10.5, HEADER_COLUMNS[1]), BOLD, TA_CENTER),
        "motto": style("motto", BODY_SIZE, BOLD, TA_CENTER),
        "number": style("number", BODY_SIZE, align=TA_CENTER, spaceBefore=6),
        "date": style("date", BODY_SIZE, ITALIC, TA_CENTER, spaceBefore=6),
        "title": style("title", 12.5, BOLD, TA_CENTER, spaceBefore=18, keepWithNext=1),
        "subtitle": style("subtitle", 12.5, BOLD, TA_CENTER, keepWithNext=1),
        "heading": style("heading", BODY_SIZE, BOLD, TA_JUSTIFY, firstLineIndent=10 * mm, spaceBefore=6,
                         spaceAfter=6),
        "body": style("body", BODY_SIZE, align=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6),
        "table_title": style("table_title", 10.5, BOLD, TA_CENTER, spaceBefore=6, spaceAfter=3),
        "table_note": style("table_note", TABLE_SIZE, ITALIC, TA_JUSTIFY, spaceBefore=3, spaceAfter=6),
        "th": style("th", TABLE_SIZE, BOLD, TA_CENTER),
        "td": style("td", TABLE_SIZE),
        "td_number": style("td_number", TABLE_SIZE, align=TA_RIGHT),
        "recipients_label": style("recipients_label", 10.5, BOLD_ITALIC),
        "recipient": style("recipient", 9.5),
        "signer": style("signer", BODY_SIZE, BOLD, TA_CENTER),
    }


def _fitting_size(text, font, size, width):
    """The largest size up to `size` at which `text` stays on one line of `width` (the national name)."""
    while size > 8 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _markup(text):
    """User text as Paragraph markup: `&`, `<`, `>` escaped, line breaks kept."""
    return escape(layout.clean(text)).replace("\n", "<br/>")


def _layout_table(rows, widths):
    """A borderless table used only to place blocks side by side (header, signature)."""
    table = Table(rows, colWidths=widths)
    # ALIGN centres the short rules (HRFlowable) in their column; the paragraphs carry their own alignment.
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _rule(width, space_before=2, space_after=0):
    return HRFlowable(width=width, thickness=0.6, color=colors.black, hAlign="CENTER", spaceBefore=space_before,
                      spaceAfter=space_after)


def _national_header(content, styles):
    words = layout.fixed(content.language)
    left = [Paragraph(_markup(line), styles["organisation"]) for line in layout.upper_lines(content.parent_body)]
    left += [Paragraph(_markup(line), styles["organisation_bold"])
             for line in layout.upper_lines(content.issuing_body)]
    left.append(_rule(25 * mm))
    right = [Paragraph(words["national_name"], styles["national_name"]),
             Paragraph(words["motto"], styles["motto"]),
             _rule(pdfmetrics.stringWidth(words["motto"], BOLD, BODY_SIZE))]
    number = Paragraph(_markup(layout.number_line(content.number, content.language)), styles["number"])
    date = Paragraph(_markup(layout.date_line(content.place, content.date, content.language)), styles["date"])
    return [_layout_table([[left, right], [number, date]], HEADER_COLUMNS)]


def _title(content, styles):
    story = [Paragraph(_markup(content.title), styles["title"])]
    if content.subtitle:
        story.append(Paragraph(_markup(content.subtitle), styles["subtitle"]))
    story.append(_rule(40 * mm, space_before=4, space_after=12))
    return story


# Room a heading or a table title needs below it, or it starts the next page. Not keepWithNext: platypus keeps
# a flowable with the *whole* next one, which would push every long table to a new page. A heading asks for
# more than a table title, so a heading followed by a table never stays alone at the foot of a page.
HEADING_ROOM = 50 * mm
TABLE_ROOM = 35 * mm


def _section(index, section, styles):
    heading = layout.section_heading(index, section.heading)
    story = [CondPageBreak(HEADING_ROOM), Paragraph(_markup(heading), styles["heading"])]
    for text in section.paragraphs:
        for line in layout.clean(text).splitlines():
            if line.strip():
                story.append(Paragraph(_markup(line.strip()), styles["body"]))
    for table in section.tables:
        story += _table(table, styles)
    return story


def _table(table, styles):
    """A ruled, full-width table: header row bold, shaded and repeated on each page; numbers right-aligned.

    A cell that fits on one line stays a plain string (drawn directly, much faster than a Paragraph); longer
    ones become Paragraphs, which wrap."""
    story = [CondPageBreak(TABLE_ROOM)]
    if table.title:
        story.append(Paragraph(_markup(table.title), styles["table_title"]))
    columns = list(table.columns)
    if columns:
        count = len(columns)
        numbers = set(table.number_columns or ())
        measure = layout.text_measure(TABLE_SIZE)
        widths = layout.column_widths(columns, table.rows, TEXT_WIDTH, measure, 2 * CELL_PADDING + 1)
        room = [width - 2 * CELL_PADDING for width in widths]
        data = [[Paragraph(_markup(label), styles["th"]) for label in columns]]
        for row in table.rows:
            cells = []
            for index in range(count):
                text = layout.format_cell(row[index] if index < len(row) else None)
                if "\n" not in text and measure(text, False) <= room[index]:
                    cells.append(text)
                else:
                    cells.append(Paragraph(_markup(text), styles["td_number" if index in numbers else "td"]))
            data.append(cells)
        commands = [
            ("FONT", (0, 0), (-1, -1), FONT, TABLE_SIZE, round(TABLE_SIZE * 1.3, 1)),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        commands += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index in sorted(numbers) if index < count]
        # LongTable: the splitting algorithm meant for tables of many pages (the default one re-measures the
        # remainder at every page break).
        data_table = LongTable(data, colWidths=widths, repeatRows=1, splitInRow=1)
        data_table.setStyle(TableStyle(commands))
        story.append(data_table)
    if table.note:
        story.append(Paragraph(_markup(table.note), styles["table_note"]))
    else:
        story.append(Spacer(1, 6))
    return story


def _closing(content, styles):
    words = layout.fixed(content.language)
    left = [Paragraph(_markup(words["recipients"]), styles["recipients_label"])]
    left += [Paragraph(_markup(line), styles["recipient"])
             for line in layout.recipient_lines(content.recipients, content.language)]
    right = [Paragraph(_markup(line), styles["signer"]) for line in layout.upper_lines(content.signer_title)]
    right.append(Spacer(1, 24 * mm))  # room for the signature and the seal
    right.append(Paragraph(_markup(layout.clean(content.signer_name).strip()), styles["signer"]))
    closing = _layout_table([[left, right]], CLOSING_COLUMNS)
    # The block moves whole to the next page when it does not fit, unless it is taller than a page (a very long
    # list of recipients): then it may split, or reportlab could not lay it out at all.
    if closing.wrap(TEXT_WIDTH, FRAME_HEIGHT)[1] > FRAME_HEIGHT:
        closing.splitInRow = 1
    return [Spacer(1, 8), closing]


def _no_page_number(canvas, document):
    """Decree 30: the first page carries no number."""


def _page_number(canvas, document):
    canvas.saveState()
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(MARGINS["left"] + TEXT_WIDTH / 2, 10 * mm, str(document.page))
    canvas.restoreState()

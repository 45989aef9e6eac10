"""The periodic report as an editable Word document laid out per Decree 30/2020/NĐ-CP (administrative documents).

A4, margins 20/20/30/15 mm, Times New Roman 13 pt; the national header and the issuing body side by side in a
borderless table; "BÁO CÁO" and the subject; numbered parts with justified paragraphs and ruled tables whose
header row repeats on every page; "Nơi nhận" and the signature block; the page number at the top from page 2.
Everything is real Word text with named styles, so the clerk can edit it before signing.

The tables are written as one XML string each: python-docx builds every cell through several object layers,
too slow for the thousands of rows of a national report (7 tables of 200 rows take well under a second here).
"""

from xml.sax.saxutils import escape

from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from . import layout

FONT = "Times New Roman"
BODY_SIZE = 13
TABLE_SIZE = 11
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
TWIPS_PER_MM = 1440 / 25.4
HEADER_FILL = "E7E6E6"
CELL_MARGIN_TWIPS = 70
UNSPLIT_ROW_CHARACTERS = 600
UNSPLIT_RECIPIENTS = 30

# Columns of the two borderless layout tables (national header, signature block), in mm.
HEADER_COLUMNS_MM = (65, TEXT_WIDTH_MM - 65)
CLOSING_COLUMNS_MM = (75, TEXT_WIDTH_MM - 75)

BODY_STYLE = "NQ57 Body"
TABLE_TEXT_STYLE = "NQ57 Table Text"
TABLE_TITLE_STYLE = "NQ57 Table Title"
TABLE_NOTE_STYLE = "NQ57 Table Note"


def write(content, path_or_stream):
    """Write `content` (a ReportContent) as a .docx to a file path or a binary stream."""
    with translation.override(content.language):
        document = Document()
        _set_up_page(document)
        _set_up_styles(document, content.language)
        _set_properties(document, content)
        _add_national_header(document, content)
        _add_title(document, content)
        for index, section in enumerate(content.sections, start=1):
            _add_section(document, index, section)
        _add_closing(document, content)
        _add_page_numbers(document)
    document.save(path_or_stream)


# --- page, styles, properties -----------------------------------------------------------------------------

def _set_up_page(document):
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)


def _set_fonts(rpr_owner_element, language=None):
    """Times New Roman for every script slot (ascii, hAnsi, East-Asian, complex), so Word never substitutes;
    the theme font attributes are dropped because they would win over the named font."""
    rpr = rpr_owner_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    if language:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        tag = "en-GB" if language.startswith("en") else "vi-VN"
        lang.set(qn("w:val"), tag)
        lang.set(qn("w:eastAsia"), tag)


def _size(font, points):
    """Size of both the Latin and the complex-script runs (Word uses szCs for some Vietnamese text)."""
    font.size = Pt(points)
    rpr = font.element.get_or_add_rPr()
    size_cs = rpr.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = rpr.makeelement(qn("w:szCs"), {})
        rpr.find(qn("w:sz")).addnext(size_cs)
    size_cs.set(qn("w:val"), str(round(points * 2)))


def _set_up_styles(document, language):
    styles = document.styles
    # Document defaults: Word's built-in 10 pt after / 1.15 lines would loosen every table cell.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    _set_fonts(_RprOwner(rpr_default), language)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = styles["Normal"]
    _set_fonts(normal.element, language)
    _size(normal.font, BODY_SIZE)
    normal.font.color.rgb = RGBColor(0, 0, 0)

    heading = styles["Heading 1"]
    _set_fonts(heading.element)
    _size(heading.font, BODY_SIZE)
    heading.font.bold = True
    heading.font.italic = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading_format = heading.paragraph_format
    heading_format.space_before, heading_format.space_after = Pt(6), Pt(6)
    heading_format.first_line_indent = Mm(10)
    heading_format.keep_with_next = True
    heading_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    body = styles.add_style(BODY_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.first_line_indent = Mm(10)
    body.paragraph_format.space_after = Pt(6)

    cell = styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _size(cell.font, TABLE_SIZE)
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(1)

    title = styles.add_style(TABLE_TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = normal
    title.font.bold = True
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(3)
    title.paragraph_format.keep_with_next = True

    note = styles.add_style(TABLE_NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    _size(note.font, TABLE_SIZE)
    note.font.italic = True
    note.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    note.paragraph_format.space_before = Pt(3)
    note.paragraph_format.space_after = Pt(6)

    for name in ("Header", "Footer"):
        _size(styles[name].font, BODY_SIZE)


class _RprOwner:
    """Adapter so `_set_fonts` can reach the w:rPr of the document defaults like that of a style."""

    def __init__(self, element):
        self.element = element

    def get_or_add_rPr(self):
        rpr = self.element.find(qn("w:rPr"))
        if rpr is None:
            rpr = self.element.makeelement(qn("w:rPr"), {})
            self.element.append(rpr)
        return rpr


def _set_properties(document, content):
    properties = document.core_properties
    properties.title = layout.one_line(f"{content.title} {content.subtitle}")
    properties.subject = layout.one_line(content.period_label)
    properties.author = properties.last_modified_by = layout.one_line(content.issuing_body)
    properties.language = "en-GB" if content.language.startswith("en") else "vi-VN"
    properties.comments = ""
    properties.keywords = ""


# --- small builders ---------------------------------------------------------------------------------------

def _paragraph(container, text="", *, bold=False, italic=False, size=None, align=None, style=None,
               space_before=None, space_after=None, keep_with_next=None):
    paragraph = container.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(layout.clean(text))
        run.bold = bold or None
        run.italic = italic or None
        if size:
            _size(run.font, size)
    paragraph_format = paragraph.paragraph_format
    if align is not None:
        paragraph_format.alignment = align
    if space_before is not None:
        paragraph_format.space_before = Pt(space_before)
    if space_after is not None:
        paragraph_format.space_after = Pt(space_after)
    if keep_with_next is not None:
        paragraph_format.keep_with_next = keep_with_next
    return paragraph


def _rule(container, width_mm, column_mm, space_after=0):
    """A short horizontal line centred in a column: an empty, 2-pt paragraph with a top border narrowed by
    indents (a drawn shape would be harder to keep in place when the clerk edits the text)."""
    paragraph = container.add_paragraph()
    ppr = paragraph._p.get_or_add_pPr()
    # The border first: python-docx places spacing and indents after it, as the schema orders them.
    ppr.append(parse_xml(f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="6" w:space="1" w:color="auto"/>'
                         f"</w:pBdr>"))
    indent = max(0.0, (column_mm - width_mm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Mm(indent)
    paragraph.paragraph_format.space_after = Pt(space_after)
    ppr.append(parse_xml(f'<w:rPr {nsdecls("w")}><w:sz w:val="4"/><w:szCs w:val="4"/></w:rPr>'))
    return paragraph


def _layout_table(document, columns_mm, rows):
    """A borderless table used only to place blocks side by side (header, signature)."""
    table = document.add_table(rows=rows, cols=len(columns_mm))
    table.autofit = False  # w:tblLayout fixed: the columns keep their widths
    tbl_pr = table._tbl.tblPr
    tbl_pr.find(qn("w:tblLayout")).addprevious(parse_xml(
        f'<w:tblBorders {nsdecls("w")}>'
        + "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders>"))
    tbl_pr.find(qn("w:tblLayout")).addnext(parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/>'
        f"</w:tblCellMar>"))
    for index, width in enumerate(columns_mm):
        table.columns[index].width = Mm(width)
        for cell in table.columns[index].cells:
            cell.width = Mm(width)
    return table


def _cell_container(cell):
    """The cell, emptied of the paragraph Word requires, so blocks can be added with add_paragraph."""
    for paragraph in list(cell.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    return cell


# --- parts of the document --------------------------------------------------------------------------------

def _add_national_header(document, content):
    words = layout.fixed(content.language)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left_mm, right_mm = HEADER_COLUMNS_MM
    table = _layout_table(document, HEADER_COLUMNS_MM, rows=2)

    left = _cell_container(table.cell(0, 0))
    for line in layout.upper_lines(content.parent_body):
        _paragraph(left, line, size=12, align=center)
    issuing_lines = layout.upper_lines(content.issuing_body) or [""]
    for line in issuing_lines:
        _paragraph(left, line, bold=True, size=12, align=center)
    _rule(left, 25, left_mm)

    right = _cell_container(table.cell(0, 1))
    _paragraph(right, words["national_name"], bold=True, size=12, align=center)
    _paragraph(right, words["motto"], bold=True, size=13, align=center)
    _rule(right, 62, right_mm)

    number = _cell_container(table.cell(1, 0))
    _paragraph(number, layout.number_line(content.number, content.language), size=13, align=center,
               space_before=4)
    date = _cell_container(table.cell(1, 1))
    _paragraph(date, layout.date_line(content.place, content.date, content.language), italic=True, size=13,
               align=center, space_before=4)


def _add_title(document, content):
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, content.title, bold=True, size=14, align=center, space_before=18, keep_with_next=True)
    if content.subtitle:
        for line in layout.clean(content.subtitle).splitlines():
            _paragraph(document, line, bold=True, size=14, align=center, keep_with_next=True)
    _rule(document, 40, TEXT_WIDTH_MM, space_after=12)


def _add_section(document, index, section):
    document.add_paragraph(layout.section_heading(index, section.heading), style="Heading 1")
    for text in section.paragraphs:
        for line in layout.clean(text).splitlines():
            if line.strip():
                document.add_paragraph(line.strip(), style=BODY_STYLE)
    for table in section.tables:
        _add_table(document, table)


def _add_table(document, table):
    if table.title:
        document.add_paragraph(layout.clean(table.title), style=TABLE_TITLE_STYLE)
    columns = list(table.columns)
    if columns:
        document.element.body.sectPr.addprevious(parse_xml(_table_xml(document, table)))
    if table.note:
        document.add_paragraph(layout.clean(table.note), style=TABLE_NOTE_STYLE)
    elif columns:
        # Word merges two consecutive tables into one; a spacing paragraph keeps them apart.
        document.add_paragraph(style=TABLE_NOTE_STYLE)


def _table_xml(document, table):
    """The w:tbl of a data table: ruled, full width, header row bold, shaded and repeated on each page,
    number columns right-aligned."""
    style_id = document.styles[TABLE_TEXT_STYLE].style_id
    columns = list(table.columns)
    count = len(columns)
    numbers = set(table.number_columns or ())
    total_points = TEXT_WIDTH_MM * TWIPS_PER_MM / 20
    padding_points = 2 * CELL_MARGIN_TWIPS / 20 + 1
    # Times New Roman is about 0.8 as wide as DejaVu Serif; 0.85 errs on the side of words not breaking.
    measure = layout.text_measure(TABLE_SIZE, scale=0.85)
    widths = [int(points * 20) for points in layout.column_widths(columns, table.rows, total_points, measure,
                                                                    padding_points)]

    def paragraph(text, align, bold=False):
        run_properties = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
        lines = text.split("\n")
        runs = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
        return (f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:jc w:val="{align}"/></w:pPr>'
                f"<w:r>{run_properties}{runs}</w:r></w:p>")

    cell_properties = [f'<w:tcW w:w="{width}" w:type="dxa"/>' for width in widths]
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>",
        '<w:tblW w:w="5000" w:type="pct"/>',
        "<w:tblBorders>",
        *(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
          for side in ("top", "left", "bottom", "right", "insideH", "insideV")),
        "</w:tblBorders>",
        '<w:tblLayout w:type="fixed"/>',
        f'<w:tblCellMar><w:left w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/>',
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{width}"/>' for width in widths),
        "</w:tblGrid>",
        # The header row repeats at the top of every page (w:tblHeader) and never splits across pages.
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>",
    ]
    for index, label in enumerate(columns):
        parts.append(f'<w:tc><w:tcPr>{cell_properties[index]}<w:shd w:val="clear" w:color="auto" '
                     f'w:fill="{HEADER_FILL}"/><w:vAlign w:val="center"/></w:tcPr>'
                     f"{paragraph(layout.clean(label), 'center', bold=True)}</w:tc>")
    parts.append("</w:tr>")
    aligns = ["right" if index in numbers else "left" for index in range(count)]
    for row in table.rows:
        cells = [layout.format_cell(row[index] if index < len(row) else None) for index in range(count)]
        # A row stays on one page, unless it is so long it could be taller than a page: Word would cut it off.
        short = sum(len(text) for text in cells) <= UNSPLIT_ROW_CHARACTERS
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>" if short else "<w:tr>")
        for index, text in enumerate(cells):
            parts.append(f"<w:tc><w:tcPr>{cell_properties[index]}</w:tcPr>{paragraph(text, aligns[index])}</w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _add_closing(document, content):
    words = layout.fixed(content.language)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, space_after=6)
    table = _layout_table(document, CLOSING_COLUMNS_MM, rows=1)
    recipients = layout.recipient_lines(content.recipients, content.language)
    if len(recipients) <= UNSPLIT_RECIPIENTS:
        # The block moves whole to the next page; not when it could be taller than a page (Word would cut it).
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))

    left = _cell_container(table.cell(0, 0))
    _paragraph(left, words["recipients"], bold=True, italic=True, size=12)
    for line in recipients:
        _paragraph(left, line, size=11)

    right = _cell_container(table.cell(0, 1))
    for line in layout.upper_lines(content.signer_title):
        _paragraph(right, line, bold=True, size=13, align=center)
    # Room for the signature and the seal above the name.
    _paragraph(right, layout.clean(content.signer_name).strip(), bold=True, size=13, align=center,
               space_before=72)


def _add_page_numbers(document):
    """The page number, centred in the top margin, from page 2 (the first page has its own empty header)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty header of its own
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # A complex field in Word's own form (begin / instruction / separate / shown value / end, one run each);
    # "2" is only what shows until Word updates the field.
    for xml in (f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>',
                f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>',
                f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>',
                f'<w:t {nsdecls("w")}>2</w:t>',
                f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'):
        paragraph.add_run()._r.append(parse_xml(xml))

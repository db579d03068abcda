"""Text of the donor PDF in English, French and Arabic, for reportlab (issue 15).

reportlab draws a string glyph by glyph, left to right, in the font it is given: its built-in fonts
have no Arabic (a site named "مخيم جمشكو (Chamishku)" printed as boxes) and are not embedded, and
it neither joins Arabic letters nor orders right-to-left text. So every string of the PDF is drawn
in Amiri (OFL; Latin and Arabic in one font, from the fontpkg-amiri package, embedded as a subset),
after `shaped`: arabic-reshaper joins the letters (contextual forms), python-bidi's reference
algorithm (`bidi.algorithm`, which also mirrors brackets) puts the text in display order, for a
left-to-right paragraph in English and French, right to left in Arabic. In Arabic, numbers and
ranges ("60+", "18-59", "12 345") are embedded left to right first, so that "60+" does not show "+60".

A right-to-left paragraph is split into lines before it is reordered (`paragraph`): reportlab
wraps the text it gets in reading order from the left, which would put an Arabic paragraph's last
words on its first line.
"""

import datetime
import functools
import re
from xml.sax.saxutils import escape

import arabic_reshaper
import fontpkg_amiri
from babel.dates import format_date
from bidi.algorithm import get_display
from django.utils import translation
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

FONT, BOLD = "Amiri", "Amiri-Bold"
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe]")
# Digits with their grouping, decimal and range signs: kept left to right inside Arabic text.
_DIGITS = r"\d+(?:[\u00a0\u202f ,.]\d+)*"
NUMBER = re.compile(rf"[<>]?{_DIGITS}(?:[-–]{_DIGITS})?[+%]?")
LRE, PDF = "\u202a", "\u202c"  # the algorithm of bidi.algorithm knows embeddings, not isolates


@functools.cache
def register_fonts() -> None:
    """Amiri regular and bold, registered once per process as a family (bold markup works)."""
    files = fontpkg_amiri.ROOT / "files"
    pdfmetrics.registerFont(TTFont(FONT, str(files / "Amiri-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(files / "Amiri-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def right_to_left() -> bool:
    """The report's language (the active one) is written right to left."""
    return translation.get_language_bidi()


def shaped(text) -> str:
    """`text` in display order for reportlab: Arabic letters joined, runs ordered for the language's direction."""
    text = "" if text is None else str(text)
    rtl = right_to_left()
    if not (rtl or ARABIC.search(text)):
        return text
    if rtl:
        text = NUMBER.sub(lambda match: f"{LRE}{match.group()}{PDF}", text)
    return get_display(arabic_reshaper.reshape(text), base_dir="R" if rtl else "L")


def paragraph(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """A Paragraph of plain `text` (escaped here) in `style`, `width` points wide, in the language's direction."""
    style = styled(style)
    if not right_to_left():
        return Paragraph(escape(shaped(text)), style)
    # Joined first (the width of the joined forms), split in reading order, then each line reordered.
    lines = simpleSplit(arabic_reshaper.reshape(text), style.fontName, style.fontSize, width)
    return Paragraph("<br/>".join(escape(shaped(line)) for line in lines), style)


def styled(style: ParagraphStyle) -> ParagraphStyle:
    """`style` in the embedded font (bold where it was bold), aligned right in a right-to-left language."""
    register_fonts()
    bold = "Bold" in style.fontName
    return ParagraphStyle(
        f"{style.name}-report",
        parent=style,
        fontName=BOLD if bold else FONT,
        alignment=TA_RIGHT if right_to_left() else style.alignment,
    )


def short_date(value: datetime.date | str) -> str:
    """A day and month in the report's language, e.g. "3 Jul", "3 juil.", "3 يوليو" (CLDR, through Babel)."""
    return format_date(_as_date(value), "d MMM", locale=translation.to_locale(translation.get_language()))


def long_date(value: datetime.date | str) -> str:
    """A date in the report's language, e.g. "3 Jul 2024", "3 juil. 2024", "3 يوليو 2024"."""
    return format_date(_as_date(value), "d MMM y", locale=translation.to_locale(translation.get_language()))


def _as_date(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value[:10])

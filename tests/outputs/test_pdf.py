"""The donor PDF in English, French and Arabic (issue 15): any name drawn in an embedded font, Arabic shaped
and right to left, an Arabic report in Arabic, dates localised ("3 juil.")."""

import datetime
import io
import unicodedata

import pypdfium2
import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from pypdf import PdfReader

from projects.models import Project
from projects.reports.pdf_text import shaped
from sites.models import Site
from tests.conftest import PROJECT_ROOT

NAME = "مخيم جمشكو (Chamishku)"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def pdf_of(report) -> PdfReader:
    with default_storage.open(report.outputs["pdf"], "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def fonts_of(reader: PdfReader) -> list[dict]:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            fonts.append(descendants[0].get_object() if descendants else font)
    return fonts


@pytest.fixture
def iraq_report(demo, request_demo_report):
    """A report of the Iraq project whose Chamishku camp has its Arabic name, in a given language."""
    Site.objects.filter(code="IQ-DUH-CHM").update(name=NAME)
    iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")

    def build(language: str):
        return request_demo_report(
            project=iraq, language=language, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30)
        )

    return build


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_an_arabic_site_name_is_drawn_shaped_in_an_embedded_font(iraq_report, language):
    reader = pdf_of(iraq_report(language))
    text = text_of(reader)
    # Drawn as joined letters (presentation forms: initial meem, medial kha...), which pypdf reads back into
    # reading order: the name's words and letters, no box, no isolated letter.
    assert "\ufee3\ufea8\ufef4\ufee2" in text  # مخيم, joined
    assert "مخيم جمشكو" in unicodedata.normalize("NFKC", text) and "Chamishku" in text
    assert "■" not in text and "\ufffd" not in text
    # Every font is embedded (a TrueType subset), none of the standard fonts a reader must supply.
    fonts = fonts_of(reader)
    assert fonts
    for font in fonts:
        assert "/FontFile2" in font.get("/FontDescriptor", {}), font["/BaseFont"]
        assert "Helvetica" not in font["/BaseFont"]


def test_an_arabic_report_is_in_arabic_and_right_to_left(iraq_report):
    report = iraq_report("ar")
    reader = pdf_of(report)
    text = unicodedata.normalize("NFKC", text_of(reader))
    assert "Progress against targets" not in text
    assert "التقدم مقارنة بالأهداف" in text and "نوفمبر" in text  # headings and month names in Arabic
    # Drawn right to left: the name's Latin part is on the left of its Arabic words, "60+" kept as typed.
    with translation.override("ar"):
        assert shaped(NAME).startswith("(Chamishku) ")
        assert shaped("الفئة 60+").startswith("60+ ")
    with translation.override("en"):
        assert shaped(NAME).endswith(" (Chamishku)")
    # The README's picture of the first page (PDFium, as a reader would draw it).
    with default_storage.open(report.outputs["pdf"], "rb") as handle:
        document = pypdfium2.PdfDocument(handle.read())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.2).to_pil().save(SCREENSHOTS / "report-ar.png")


def test_a_french_report_has_french_dates(request_demo_report):
    text = text_of(pdf_of(request_demo_report(language="fr")))
    assert "Rapport de progression du 1 juil. 2024 au 31 juil. 2024" in text
    assert "juil." in text and "Jul" not in text.replace("juil.", "")
    assert "2024-07-01" not in text

"""Done when (issue 20): the donor report shows the pipeline: the XLSX sheet, the PDF section, the IATI results
(valid against the 2.03 schema), the same figures as the dashboard's (projects/pipeline.py)."""

import io

import pytest
from lxml import etree
from openpyxl import load_workbook

from projects.reports import iati
from tests.progress.test_reports import demo_report, media, pdf_text, read  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("eager_celery")

# kit, target, procured, in stock, dispatched (net of returns), handed out, damaged or lost, issued
EXPECTED = [
    ("Emergency shelter kit (green)", 450, 450, 348, 102, 100, 1, 0),
    ("NFI kit", 640, 640, 564, 76, 75, 1, 0),
]


def test_the_xlsx_has_the_pipeline_sheet(demo_report):  # noqa: F811
    sheet = load_workbook(io.BytesIO(read(demo_report, "xlsx")))["Kit pipeline"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("As of ")
    header = rows.index(next(row for row in rows if row[0] == "Kit type"))
    assert rows[header] == (
        "Kit type", "Target", "Procured", "In stock", "Dispatched", "Handed out", "Damaged or lost",
        "Issued to organisations",
    )  # fmt: skip
    assert rows[header + 1 : header + 3] == EXPECTED
    assert rows[header + 3] == ("Total", 1090, 1090, 912, 178, 175, 2, 0)


def test_the_pdf_has_the_pipeline_section(demo_report):  # noqa: F811
    text = pdf_text(demo_report)
    assert "Kit pipeline" in text
    assert "Emergency shelter kit (green) 450 450 348 102 100 1 0" in " ".join(text.split())


@pytest.mark.skipif(not iati.schema_path().exists(), reason="the IATI schema folder is absent")
def test_the_iati_activity_carries_the_pipeline_and_stays_valid(demo_report):  # noqa: F811
    xml = read(demo_report, "xml")
    iati.validate(xml)
    root = etree.fromstring(xml)
    procured = root.xpath("//indicator[title/narrative='Kits procured: NFI kit']/period")[0]
    assert (procured.find("target").get("value"), procured.find("actual").get("value")) == ("640", "640")
    dispatched = root.xpath("//indicator[title/narrative='Kits dispatched to distribution sites: NFI kit']/period")[0]
    assert dispatched.find("actual").get("value") == "76"

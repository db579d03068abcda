"""A 3W-style CSV with an HXL hashtag row: one row per site and kit type, no personal data.

Stored with a UTF-8 byte-order mark, for Excel (config/spreadsheets.py); a download with `?bom=0` skips it.
"""

import csv
import io

from beneficiaries.pseudonyms import suppressed_marker, withheld_rows
from config.spreadsheets import BOM, csv_row

# The four sex-and-age groups (beneficiaries.models.SADD_GROUPS) as CSV columns: (group, header, HXL hashtag),
# adding up to individuals reached. The same columns in the 3W export (api/exports.py).
SEX_AND_AGE_COLUMNS = (
    ("females_0_17", "Girls reached (0-17)", "#reached+f+children"),
    ("males_0_17", "Boys reached (0-17)", "#reached+m+children"),
    ("females_18_plus", "Women reached (18+)", "#reached+f+adults"),
    ("males_18_plus", "Men reached (18+)", "#reached+m+adults"),
)

# Donor outputs: a site and kit row reaching fewer than SMALL_COUNT_THRESHOLD households shows the marker instead.
SUPPRESSIBLE = (
    "Kits distributed",
    "Households reached",
    "Individuals reached",
    *(header for _group, header, _tag in SEX_AND_AGE_COLUMNS),
)

COLUMNS = [
    ("Implementing organisation", "#org+impl", lambda f, r: f["project"]["lead_organisation"]),
    ("Funding organisation", "#org+funding", lambda f, r: f["project"]["donor"]),
    ("Sector", "#sector", lambda f, r: "Shelter and NFI"),
    ("Project", "#activity+project", lambda f, r: f["project"]["code"]),
    ("Admin 1", "#adm1+name", lambda f, r: r["admin1__name"]),
    ("Admin 1 P-code", "#adm1+code", lambda f, r: r["admin1__pcode"]),
    ("Admin 2", "#adm2+name", lambda f, r: r["admin2__name"]),
    ("Admin 2 P-code", "#adm2+code", lambda f, r: r["admin2__pcode"]),
    ("Site", "#loc+name", lambda f, r: r["site__name"]),
    ("Site code", "#loc+code", lambda f, r: r["site__code"]),
    ("Kit", "#item+name", lambda f, r: r["kit_type__name"]),
    ("Kits distributed", "#output+kits+num", lambda f, r: r["kits"]),
    ("Start", "#date+start", lambda f, r: f["report"]["period_start"]),
    ("End", "#date+end", lambda f, r: f["report"]["period_end"]),
    ("Households reached", "#reached+hh", lambda f, r: r["households"]),
    ("Individuals reached", "#reached+ind", lambda f, r: r["individuals"]),
    *((header, tag, lambda f, r, group=group: r[group]) for group, header, tag in SEX_AND_AGE_COLUMNS),
]


def build(figures: dict) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)  # read by people in Excel too (config/spreadsheets.py)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([label for label, _tag, _value in COLUMNS])
    writer.writerow([tag for _label, tag, _value in COLUMNS])
    rows = figures["by_site_and_kit"]
    # A region's sites for one kit type add up to what a reader sums per region: withhold one cell not alone.
    withheld = withheld_rows(rows, group=lambda row: (row["admin1__name"], row["kit_type__name"]))
    for row, small in zip(rows, withheld, strict=True):
        writer.writerow(
            csv_row(  # site and kit names typed by users: never a formula (config/spreadsheets.py)
                suppressed_marker() if small and label in SUPPRESSIBLE else value(figures, row)
                for label, _tag, value in COLUMNS
            )
        )
    return buffer.getvalue().encode("utf-8")

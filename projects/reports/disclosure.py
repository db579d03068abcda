"""Which rows of a donor report withhold their counts (small counts and their complements).

One place for the report's groups: a region's sites add up to the region's published row, and the
regions to the project's published totals (beneficiaries/pseudonyms.py says why and how).
"""

from beneficiaries.pseudonyms import withheld_rows


def regions_withheld(period: dict) -> list[bool]:
    """Regions whose counts are withheld; the project's total is published, so they are one group."""
    return withheld_rows(period["by_region"], group=lambda row: None)


def sites_withheld(period: dict) -> list[bool]:
    """Sites whose counts are withheld; each region's total is published, so a region's sites are a group."""
    return withheld_rows(period["by_site"], group=lambda row: row["admin1__name"])

"""The one progress filter: its names are the page's and the API's form fields, and read back exactly."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from distributions.progress.filters import ProgressFilter
from projects.forms import ProgressFilterForm, ReportRequestForm


def test_the_forms_use_the_filter_names():
    assert set(ProgressFilterForm.base_fields) == {*ProgressFilter.QUERY_NAMES, "bucket"}
    assert set(ProgressFilter.NARROWING_NAMES) <= set(ReportRequestForm.base_fields)


def test_a_filter_reads_back_from_its_query():
    filters = ProgressFilter(
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
        area_id=3,
        site_id=4,
        kit_type_id=5,
        kit_category="nfi",
    )
    assert ProgressFilter.from_query(filters.as_query()) == filters
    assert ProgressFilter.from_query({}) == ProgressFilter()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "1 July"}, "start"),
        ({"area": "Mopti"}, "area"),
        ({"site": "-2"}, "site"),
        ({"kit_type": "1.5"}, "kit_type"),
        ({"kit_category": "food"}, "kit_category"),
        ({"start": "2024-07-31", "end": "2024-07-01"}, "end"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(query, field):
    with pytest.raises(ValidationError) as refused:
        ProgressFilter.from_query(query)
    assert list(refused.value.message_dict) == [field]

"""The 3W/5W table of reach (who, what, where, when) for clusters and partners: CSV with HXL, or JSON.

One row per project, admin 1, admin 2, site, kit type and month, from the columns frozen on each
receipt (voided receipts excluded). Households are counted once per row: receipts are first
grouped per household in SQL, then the groups summed; the database streams the result through a
server-side cursor, so the export works for millions of receipts. No personal data.
"""

import calendar
import csv
import datetime
import itertools
import json
from collections.abc import Iterator

from django import forms
from django.db import connection
from django.db.models import DateField, F, Max, Sum
from django.db.models.functions import TruncMonth
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from accounts import selectors as scope
from api.base import PartnerApiMixin
from api.filters import AFTER_HELP, BEFORE_HELP, BoundedModelChoiceField, UtcIsoDateTimeField
from beneficiaries.models import SADD_GROUPS
from config.spreadsheets import BOM, bom_field, csv_row
from kits.models import KitType
from projects.disclosure import suppressed_marker, withheld_export_rows
from projects.models import Project, Target
from projects.reports.hxl import SEX_AND_AGE_COLUMNS
from sites.models import AdminArea, Site

SECTOR = "Emergency Shelter and NFI"
CHUNK = 2000


def _sadd_key(tag: str) -> str:
    return tag[1:].replace("+", "_")


# The sex-and-age columns: (row key, beneficiaries.models.SADD_GROUPS group), e.g. ("reached_m_children", "males_0_17").
SADD_KEYS = tuple((_sadd_key(tag), group) for group, _header, tag in SEX_AND_AGE_COLUMNS)

# (key, CSV header, HXL hashtag)
COLUMNS = [
    ("org_impl", "Implementing organisation", "#org+impl"),
    ("org_funding", "Funding organisation", "#org+funding"),
    ("sector", "Sector", "#sector"),
    ("project", "Project", "#activity+project"),
    ("project_code", "Project code", "#activity+project+code"),
    ("adm1_name", "Admin 1", "#adm1+name"),
    ("adm1_code", "Admin 1 P-code", "#adm1+code"),
    ("adm2_name", "Admin 2", "#adm2+name"),
    ("adm2_code", "Admin 2 P-code", "#adm2+code"),
    ("site_name", "Site", "#loc+name"),
    ("site_code", "Site code", "#loc+code"),
    ("item", "Kit type", "#item+name"),
    ("date_start", "Period start", "#date+start"),
    ("date_end", "Period end", "#date+end"),
    ("reached_hh", "Households reached", "#reached+hh"),
    ("reached_ind", "Individuals reached", "#reached+ind"),
    # Girls, boys, women, men (projects/reports/hxl.py): keys from the hashtags, e.g. reached_f_children.
    *((_sadd_key(tag), header, tag) for _group, header, tag in SEX_AND_AGE_COLUMNS),
    ("targeted_ind", "Individuals targeted", "#targeted+ind"),
    ("kits", "Kits distributed", "#output+kits"),
]
GROUP_COLUMNS = ("project_ref", "area1", "area2", "place", "kit", "period")


class ThreeWFilter(forms.Form):
    project = BoundedModelChoiceField(queryset=Project.objects.none(), to_field_name="code", required=False)
    # The API's one date-range convention, [after, before) (api/filters.py): this export once included
    # the `received_before` day, the receipts list did not (175 kits against 170 for one question).
    received_after = UtcIsoDateTimeField(required=False)
    received_before = UtcIsoDateTimeField(required=False)
    bom = bom_field()  # CSV only: a UTF-8 byte-order mark for Excel, unless 0

    def __init__(self, data, user):
        super().__init__(data)
        self.fields["project"].queryset = scope.visible_projects(user)


class ThreeWRowSerializer(serializers.Serializer):
    org_impl = serializers.CharField()
    org_funding = serializers.CharField()
    sector = serializers.CharField()
    project = serializers.CharField()
    project_code = serializers.CharField()
    adm1_name = serializers.CharField(allow_null=True)
    adm1_code = serializers.CharField(allow_null=True)
    adm2_name = serializers.CharField(allow_null=True)
    adm2_code = serializers.CharField(allow_null=True)
    site_name = serializers.CharField()
    site_code = serializers.CharField()
    item = serializers.CharField()
    date_start = serializers.DateField()
    date_end = serializers.DateField()
    reached_hh = serializers.IntegerField(allow_null=True)
    reached_ind = serializers.IntegerField(allow_null=True)
    reached_f_children = serializers.IntegerField(allow_null=True, help_text="Girls (0-17).")
    reached_m_children = serializers.IntegerField(allow_null=True, help_text="Boys (0-17).")
    reached_f_adults = serializers.IntegerField(allow_null=True, help_text="Women (18+).")
    reached_m_adults = serializers.IntegerField(allow_null=True, help_text="Men (18+).")
    targeted_ind = serializers.IntegerField(allow_null=True)
    kits = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="Fewer households than SMALL_COUNT_THRESHOLD: counts withheld.")


class ThreeWSerializer(serializers.Serializer):
    rows = ThreeWRowSerializer(many=True)


def _per_household(user, filters: dict):
    """Receipts grouped per row and household: each household counted once per row."""
    receipts = scope.visible_receipts(user).filter(voided_at__isnull=True)
    if filters.get("project"):
        receipts = receipts.filter(distribution__project=filters["project"])
    if filters.get("received_after"):
        receipts = receipts.filter(received_at__gte=filters["received_after"])
    if filters.get("received_before"):
        receipts = receipts.filter(received_at__lt=filters["received_before"])
    return (
        receipts.annotate(
            project_ref=F("distribution__project_id"),
            area1=F("admin1_id"),
            area2=F("admin2_id"),
            place=F("site_id"),
            kit=F("kit_type_id"),
            period=TruncMonth("received_at", output_field=DateField()),
            member=F("household_id"),
        )
        .values(*GROUP_COLUMNS, "member")
        .annotate(
            size=Max("household_size"),
            # A receipt's frozen SADD counts, summed into the four groups (girls, boys, women, men).
            **{group: Max(sum((F(f) for f in fields[1:]), F(fields[0]))) for group, fields in SADD_GROUPS.items()},
            kits=Sum("quantity"),
        )
        .order_by()
    )


def aggregate_rows(user, filters: dict) -> Iterator[tuple]:
    """(project, admin1, admin2, site, kit type, month, households, individuals, girls, boys, women, men,
    kits) ids and sums; the four groups in SADD_GROUPS order."""
    inner_sql, params = _per_household(user, filters).query.sql_with_params()
    groups = ", ".join(GROUP_COLUMNS)
    sadd = ", ".join(f"SUM({group})" for group in SADD_GROUPS)
    # Constant column names; the inner query's values stay bound parameters.
    sql = f"SELECT {groups}, COUNT(*), SUM(size), {sadd}, SUM(kits) FROM ({inner_sql}) per_household GROUP BY {groups} ORDER BY {groups}"  # noqa: S608, E501
    with connection.chunked_cursor() as cursor:  # a server-side cursor on PostgreSQL
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


class _Names:
    """Names of the ids in the rows, looked up once each."""

    def __init__(self, user):
        self.projects = {
            project.pk: project for project in scope.visible_projects(user).select_related("donor", "lead_organisation")
        }
        self.kits = dict(KitType.objects.values_list("pk", "name"))
        self.targets = {
            (project_id, area_id): value
            for project_id, area_id, value in Target.objects.filter(
                project__in=list(self.projects),
                indicator=Target.Indicator.INDIVIDUALS_REACHED,
                admin_area__isnull=False,
                kit_type__isnull=True,
                kit_category="",
            ).values_list("project_id", "admin_area_id", "target_value")
        }
        self.areas: dict[int, tuple[str, str]] = {}
        self.sites: dict[int, tuple[str, str]] = {}

    def area(self, pk: int | None) -> tuple[str | None, str | None]:
        if pk is None:
            return None, None
        if pk not in self.areas:
            self.areas[pk] = AdminArea.objects.values_list("name", "pcode").get(pk=pk)
        return self.areas[pk]

    def site(self, pk: int) -> tuple[str, str]:
        if pk not in self.sites:
            self.sites[pk] = Site.objects.values_list("name", "code").get(pk=pk)
        return self.sites[pk]


def _period(value: datetime.date) -> tuple[datetime.date, datetime.date]:
    # Raw rows bypass the ORM's converters: psycopg gives a date or a timestamp, as the column is.
    start = (value.date() if isinstance(value, datetime.datetime) else value).replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


# Withheld in a row counting fewer households than SMALL_COUNT_THRESHOLD, for roles without personal data.
SUPPRESSIBLE = ("reached_hh", "reached_ind", *(key for key, _group in SADD_KEYS), "kits")


def export_rows(user, filters: dict) -> Iterator[dict]:
    names = _Names(user)
    # Rows come ordered by project and region: one region's rows at a time are held, to withhold a
    # small cell's complement among the region's sites (same kit and month) before they are sent.
    for _region, rows in itertools.groupby(aggregate_rows(user, filters), key=lambda row: row[:2]):
        region_rows = [_export_row(names, row) for row in rows]
        withheld = withheld_export_rows(
            user,
            region_rows,
            group=lambda row: (row["item"], row["date_start"]),
            households="reached_hh",
            numbers=SUPPRESSIBLE,
        )
        for row, small in zip(region_rows, withheld, strict=True):
            row["suppressed"] = small
            yield row


def _export_row(names: "_Names", row: tuple) -> dict:
    project_id, area1, area2, site_id, kit_id, period, households, individuals, *sadd, kits = row
    reached = dict(zip(SADD_GROUPS, sadd, strict=True))
    project = names.projects[project_id]
    adm1_name, adm1_code = names.area(area1)
    adm2_name, adm2_code = names.area(area2)
    site_name, site_code = names.site(site_id)
    start, end = _period(period)
    return {
        "org_impl": project.lead_organisation.name,
        "org_funding": project.donor.name,
        "sector": SECTOR,
        "project": project.title,
        "project_code": project.code,
        "adm1_name": adm1_name,
        "adm1_code": adm1_code,
        "adm2_name": adm2_name,
        "adm2_code": adm2_code,
        "site_name": site_name,
        "site_code": site_code,
        "item": names.kits[kit_id],
        "date_start": start.isoformat(),
        "date_end": end.isoformat(),
        "reached_hh": int(households),
        "reached_ind": int(individuals or 0),
        **{key: int(reached[group] or 0) for key, group in SADD_KEYS},
        "targeted_ind": names.targets.get((project_id, area2), names.targets.get((project_id, area1))),
        "kits": int(kits or 0),
        "suppressed": False,
    }


class _Line:
    """A file-like object for csv.writer that hands back the line it was given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[dict], bom: bool = True) -> Iterator[str]:
    """The CSV's lines: header, HXL hashtags, rows; the first starts with a UTF-8 BOM unless `bom` is False."""
    if bom:
        yield BOM  # Excel on Windows reads the file as UTF-8 only with it (config/spreadsheets.py)
    writer = csv.writer(_Line())
    yield writer.writerow([header for _key, header, _tag in COLUMNS])
    yield writer.writerow([tag for _key, _header, tag in COLUMNS])
    for row in rows:
        blank = suppressed_marker() if row.get("suppressed") else ""
        yield writer.writerow(
            csv_row(  # site, project and kit names typed by users: never a formula (config/spreadsheets.py)
                (blank if key in SUPPRESSIBLE else "") if row[key] is None else row[key]
                for key, _header, _tag in COLUMNS
            )
        )


def json_chunks(rows: Iterator[dict]) -> Iterator[str]:
    yield '{"rows": ['
    for index, row in enumerate(rows):
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


class FirstRendererNegotiation(BaseContentNegotiation):
    """Exports have one format each (by address); errors are problem JSON whatever Accept says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORT_PARAMETERS = [
    OpenApiParameter("project", str, description="Project code."),
    OpenApiParameter("received_after", OpenApiTypes.DATETIME, description=AFTER_HELP),
    OpenApiParameter("received_before", OpenApiTypes.DATETIME, description=BEFORE_HELP),
]


class _ExportView(PartnerApiMixin, APIView):
    content_negotiation_class = FirstRendererNegotiation
    query_parameters = ThreeWFilter  # any other parameter is a 400 (api/parameters.py)

    def _filters(self, request) -> dict:
        form = ThreeWFilter(request.query_params, request.user)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        return form.cleaned_data


class ThreeWCsvView(_ExportView):
    @extend_schema(
        parameters=[
            *EXPORT_PARAMETERS,
            OpenApiParameter(
                "bom", str, enum=["1", "0"], description="0 leaves out the UTF-8 byte-order mark (default 1)."
            ),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV with an HXL hashtag row.")},
    )
    def get(self, request):
        """The 3W/5W table of reach as CSV, with an HXL hashtag row under the headers. Streamed.

        The file starts with a UTF-8 byte-order mark (EF BB BF) so that Excel on Windows shows accented and
        Arabic names; `?bom=0` leaves it out for programs that would read it as part of the first header."""
        filters = self._filters(request)
        rows = export_rows(request.user, filters)
        response = StreamingHttpResponse(csv_lines(rows, bom=filters["bom"]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="3w-reach.csv"'
        return response


class ThreeWJsonView(_ExportView):
    @extend_schema(parameters=EXPORT_PARAMETERS, responses={200: ThreeWSerializer})
    def get(self, request):
        """The 3W/5W table of reach as JSON. Streamed."""
        rows = export_rows(request.user, self._filters(request))
        return StreamingHttpResponse(json_chunks(rows), content_type="application/json")

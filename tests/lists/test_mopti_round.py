"""Issue 19's "Done when": the Mopti second round planned with criteria in the app, its count against a hand count
on the demo, the list approved, households served online and offline, one refused off the list, one served by a
supervisor's override with a reason, the officer's day closed, and the tally, absentees and sign sheet right."""

import datetime
import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from beneficiaries.models import Household
from demo.loader import load_demo
from distributions.lists.models import DayClosure, DistributionList, ListChange, ListedHousehold
from distributions.models import Distribution, Receipt
from kits.models import KitType
from projects.models import Project
from sites.models import Site

pytestmark = pytest.mark.django_db

# The round's targeting: IDP households at Walirdé and Takouti, woman-headed or with a person with disability;
# an NFI kit each, two for households of 8 or more.
FLAGS = ("woman_headed", "person_with_disability")
BIG = 8


def hand_count(sites) -> dict:
    """The selection and its kits counted in Python, household by household, from the demo's rows."""
    chosen = [
        household
        for household in Household.objects.filter(site__in=sites)
        if household.is_active
        and household.displacement_status == "idp"
        and any(getattr(household, flag) for flag in FLAGS)
    ]
    by_site = {site.pk: [h for h in chosen if h.site_id == site.pk] for site in sites}
    kits = {pk: sum(2 if h.household_size >= BIG else 1 for h in rows) for pk, rows in by_site.items()}
    return {"households": {pk: len(rows) for pk, rows in by_site.items()}, "kits": kits, "chosen": chosen}


@pytest.fixture
def demo():
    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    sites = list(Site.objects.filter(code__in=["ML-MOP-WAL", "ML-MOP-TAK"]).order_by("code"))
    manager, officer = User.objects.get(username="manager"), User.objects.get(username="officer")
    clients = {}
    for name, user in (("manager", manager), ("officer", officer)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {
        "project": project,
        "sites": sites,
        "nfi": KitType.objects.get(code="NFI-ML"),
        "officer_user": officer,
        **clients,
    }


def plan_form(demo, **changes) -> dict:
    walirde = next(site for site in demo["sites"] if site.code == "ML-MOP-WAL")
    data = {
        "name": "Mopti urban, round 2 (list)",
        "site": walirde.pk,
        "planned_start": "2025-06-01",
        "planned_end": "2025-06-20",
        "kit_0": demo["nfi"].pk,
        "basis_0": "per_household",
        "quantity_0": 1,
        "rule_size_0": BIG,
        "rule_quantity_0": 2,
        "sites": [site.pk for site in demo["sites"]],
        "displacement_status": ["idp"],
        "vulnerability_any": list(FLAGS),
        "supervisors": [demo["officer_user"].pk],
        "action": "save",
    }
    data.update(changes)
    return data


def test_the_mopti_second_round_from_plan_to_sign_sheet(demo):
    manager, officer = demo["manager"], demo["officer"]
    expected = hand_count(demo["sites"])
    assert 0 < sum(expected["households"].values()) < Household.objects.filter(site__in=demo["sites"]).count()
    plan_url = reverse("lists:plan", kwargs={"project_pk": demo["project"].pk})

    # Planning: dates outside the project are a clear error; "Count" shows the selection by site, nothing saved.
    outside = manager.post(plan_url, plan_form(demo, planned_end="2025-08-01"))
    assert outside.status_code == 400 and "The project runs from" in outside.content.decode()
    counted = manager.post(plan_url, plan_form(demo, action="count"))
    assert counted.status_code == 200
    counts = counted.context["counts"]
    assert {row["site"].pk: row["households"] for row in counts["by_site"]} == expected["households"]
    assert {row["site"].pk: row["kits"][demo["nfi"].pk] for row in counts["by_site"]} == expected["kits"]
    assert not Distribution.objects.filter(name="Mopti urban, round 2 (list)").exists()
    nobody = manager.post(plan_url, plan_form(demo, size_min=40))
    assert nobody.status_code == 400 and "These criteria select no household." in nobody.content.decode()

    saved = manager.post(plan_url, plan_form(demo))
    distribution = Distribution.objects.get(name="Mopti urban, round 2 (list)")
    assert saved.url == reverse("lists:detail", kwargs={"pk": distribution.pk})
    dlist = DistributionList.objects.get(distribution=distribution)
    assert dlist.status == "draft" and dlist.criteria["vulnerability_any"] == list(FLAGS)

    # Approve: the list is frozen with who and when; the planned total comes from it.
    manager.post(reverse("lists:approve", kwargs={"pk": distribution.pk}))
    dlist.refresh_from_db()
    assert dlist.status == "approved" and dlist.approved_by.username == "manager" and dlist.approved_at
    listed_ids = set(ListedHousehold.objects.filter(dlist=dlist).values_list("household_id", flat=True))
    assert listed_ids == {h.pk for h in expected["chosen"]}
    assert distribution.items.get().planned_quantity == sum(expected["kits"].values())
    # A later edit of a household does not change the approved list.
    big = next(h for h in expected["chosen"] if h.household_size >= BIG)
    Household.objects.filter(pk=big.pk).update(
        household_size=2,
        females_0_5=0,
        males_0_5=0,
        females_6_17=0,
        males_6_17=0,
        females_18_59=1,
        males_18_59=1,
        females_60_plus=0,
        males_60_plus=0,
    )
    assert ListedHousehold.objects.get(dlist=dlist, household=big).household_size == big.household_size

    # Online: the officer's screen says "on the list", and the listed quantity is recorded.
    household_url = reverse("distributions:household", kwargs={"pk": distribution.pk, "household_pk": big.pk})
    page = officer.get(household_url).content.decode()
    assert "On the list" in page
    form = officer.get(household_url).context["form"]
    officer.post(
        reverse("distributions:receive", kwargs={"pk": distribution.pk, "household_pk": big.pk}),
        {"kit_types": ["NFI-ML"], "verification_method": "registration_code", "batch": str(form["batch"].initial)},
    )
    assert Receipt.objects.get(distribution=distribution, household=big).quantity == 2

    # Offline: the phone's list carries the listed households; a receipt queued offline syncs through the API.
    offline = officer.get(reverse("lists:offline", kwargs={"pk": distribution.pk})).json()
    assert {row[0] for row in offline["households"]} == listed_ids and offline["kits"] == ["NFI-ML"]
    small = next(h for h in expected["chosen"] if h.household_size < BIG and h.pk != big.pk)
    synced = officer.post(
        "/api/v1/receipts/bulk/",
        {
            "receipts": [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "distribution": distribution.pk,
                    "household": small.registration_code,
                    "kit_type": "NFI-ML",
                    "verification_method": "thumbprint",
                    "received_at": timezone.now().isoformat(),
                }
            ]
        },
        content_type="application/json",
    )
    assert synced.json()["results"][0]["status"] == "created"

    # Off the list: refused online and offline, until a supervisor overrides with a reason.
    stranger = Household.objects.filter(site__in=demo["sites"]).exclude(pk__in=listed_ids).first()
    stranger_url = reverse("distributions:household", kwargs={"pk": distribution.pk, "household_pk": stranger.pk})
    assert "Not on the list" in officer.get(stranger_url).content.decode()
    officer.post(
        reverse("distributions:receive", kwargs={"pk": distribution.pk, "household_pk": stranger.pk}),
        {"kit_types": ["NFI-ML"], "verification_method": "registration_code", "batch": str(uuid.uuid4())},
    )
    assert not Receipt.objects.filter(distribution=distribution, household=stranger).exists()
    refused = officer.post(
        "/api/v1/receipts/bulk/",
        {
            "receipts": [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "distribution": distribution.pk,
                    "household": stranger.registration_code,
                    "kit_type": "NFI-ML",
                    "verification_method": "thumbprint",
                }
            ]
        },
        content_type="application/json",
    ).json()["results"][0]
    assert refused["status"] == "refused"
    override_url = reverse("lists:override", kwargs={"pk": distribution.pk, "household_pk": stranger.pk})
    officer.post(override_url, {"reason": ""})
    assert not ListChange.objects.filter(dlist=dlist, kind="override").exists()
    officer.post(override_url, {"reason": "Arrived from Sévaré after the list was frozen"})
    change = ListChange.objects.get(dlist=dlist, kind="override")
    assert change.household == stranger and change.made_by == demo["officer_user"]
    officer.post(
        reverse("distributions:receive", kwargs={"pk": distribution.pk, "household_pk": stranger.pk}),
        {"kit_types": ["NFI-ML"], "verification_method": "registration_code", "batch": str(uuid.uuid4())},
    )
    assert Receipt.objects.filter(distribution=distribution, household=stranger, voided_at=None).exists()

    # Close the day: the tally of this officer, as the focal point sees it.
    officer.post(reverse("lists:tally", kwargs={"pk": distribution.pk}))
    closure = DayClosure.objects.get(dlist=dlist, officer=demo["officer_user"])
    assert closure.tally["households"] == 3
    assert closure.tally["kits"] == {str(demo["nfi"].pk): 2 + 1 + 1}
    assert (closure.tally["overrides"], closure.tally["voids"]) == (1, 0)
    assert closure.day == timezone.localdate(timezone.now(), distribution.site.zone)

    # Absentees: on the list and not served, with counts by vulnerability.
    listed = len(listed_ids)
    absent = [h for h in expected["chosen"] if h.pk not in (big.pk, small.pk)]
    detail = manager.get(reverse("lists:detail", kwargs={"pk": distribution.pk}))
    absentees = detail.context["absentees"]
    assert (absentees["listed"], absentees["served"], absentees["absent"]) == (listed, 2, listed - 2)
    assert absentees["absent_by_vulnerability"]["woman_headed"] == sum(h.woman_headed for h in absent)
    assert absentees["overrides"] == 1
    assert f"2 of {listed} households on the list served; {listed - 2} absent." in detail.content.decode()

    # Sign sheet: each site's listed households, in the three languages.
    sheet_url = reverse("dashboard:sign-sheet", kwargs={"pk": distribution.pk})
    for site in demo["sites"]:
        answer = manager.get(sheet_url, {"site": site.pk, "format": "xlsx", "language": "fr"})
        rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
        assert rows[1][-1] == "Signature ou empreinte" and rows[1][1] != "Head of household"  # in French
        codes = sorted(row[0] for row in rows[2:])
        assert codes == sorted(h.display_code for h in expected["chosen"] if h.site_id == site.pk)
        assert all(row[-1] in (None, "") for row in rows[2:])  # the column to sign
    for language in ("en", "fr", "ar"):
        pdf = manager.get(sheet_url, {"site": demo["sites"][0].pk, "format": "pdf", "language": language})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert datetime.date.fromisoformat(closure.tally["day"]) == closure.day


def test_the_donor_report_says_who_on_the_list_was_served(demo):
    """The report's figures carry each approved list's served and absent households; the PDF and XLSX say it,
    a small count withheld."""
    from projects.models import ProgressReport
    from projects.reports import builders
    from projects.reports.figures import frozen_figures
    from projects.reports.labels import attendance

    demo["manager"].post(reverse("lists:plan", kwargs={"project_pk": demo["project"].pk}), plan_form(demo))
    distribution = Distribution.objects.get(name="Mopti urban, round 2 (list)")
    demo["manager"].post(reverse("lists:approve", kwargs={"pk": distribution.pk}))
    listed = ListedHousehold.objects.filter(dlist__distribution=distribution).count()
    report = ProgressReport.objects.create(
        project=demo["project"], period_start=demo["project"].start_date, period_end=demo["project"].end_date
    )
    figures = frozen_figures(report)
    (row,) = figures["lists"]
    assert (row["listed"], row["served"], row["absent"]) == (listed, 0, listed)
    assert attendance(row).endswith(f"0 of {listed} households on the list served; {listed} absent.")
    workbook = load_workbook(io.BytesIO(builders.render(figures, "xlsx", "en")))
    assert workbook["Distribution lists"]["A2"].value == attendance(row)
    assert builders.render(figures, "pdf", "ar").startswith(b"%PDF")
    small = {**row, "served": listed - 2, "absent": 2}
    assert "2 absent" not in attendance(small)

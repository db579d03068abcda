"""The dashboards as a programme manager uses them: server-rendered, filtered by URL, constant queries."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, User
from demo.loader import load_demo
from distributions.services import record_receipt
from projects.models import Project
from tests import factories
from tests.progress.conftest import at


def target_cells(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<td data-label="[^"]*">([^<]+)</td>\s*<td class="num achieved" data-label="[^"]*">([^<]+)</td>\s*'
        r'<td class="num target" data-label="[^"]*">([^<]+)</td>',
        html,
    )
    return {label: (achieved, target) for label, achieved, target in rows}


@pytest.fixture
def demo(db):
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


def test_mopti_dashboard_shows_the_july_distribution(client, demo):
    client.force_login(User.objects.get(username="manager"))
    response = client.get(reverse("dashboard:project", args=[demo.pk]))
    assert response.status_code == 200
    cells = target_cells(response.content.decode())
    assert cells["Emergency shelter kit (green)"] == ("100", "450")
    assert cells["NFI kit"] == ("75", "640")
    assert "<svg" in response.content.decode()


def test_project_list_shows_headline_progress(client, demo):
    client.force_login(User.objects.get(username="manager"))
    response = client.get(reverse("dashboard:project-list"))
    html = response.content.decode()
    assert "Responding to the needs of internally displaced persons" in html
    assert "Winterisation assistance" in html
    # 175 kits of the 1,090 kits targeted.
    assert re.search(r">175<.*>1,090<.*>16\.1%<", html, re.S)


def test_donor_sees_only_assigned_project(client, demo):
    client.force_login(User.objects.get(username="donor"))
    html = client.get(reverse("dashboard:project-list")).content.decode()
    assert "Winterisation" not in html
    iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")
    assert client.get(reverse("dashboard:project", args=[iraq.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, demo):
    response = client.get(reverse("dashboard:project", args=[demo.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filters_are_in_the_url_and_narrow_the_figures(client, progress_fixture):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[progress_fixture["project"]])
    client.force_login(manager)
    url = reverse("dashboard:project", args=[progress_fixture["project"].pk])
    html = client.get(url, {"start": "2024-08-01", "end": "2024-08-31", "kit_category": "nfi"}).content.decode()
    assert target_cells(html)["Nfi"] == ("1", "20")
    assert 'value="2024-08-01"' in html  # the form keeps the filters: the URL is the shareable state
    bad = client.get(url, {"start": "2024-08-31", "end": "2024-08-01"})
    assert bad.status_code == 200
    assert "The end of the period cannot be before its start." in bad.content.decode()


def test_numbers_are_localised_and_strings_translatable(client, demo):
    client.force_login(User.objects.get(username="manager"))
    with translation.override("fr"):
        response = client.get(reverse("dashboard:project-list"), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "1\u202f090" in html or "1 090" in html or "1\xa0090" in html  # French grouping, not "1,090"


@pytest.mark.parametrize(
    ("language", "shelter_kit"),
    [("fr", "Kit d'abri d'urgence (vert)"), ("ar", None)],
)
def test_targets_name_kits_in_the_users_language(client, demo, language, shelter_kit):
    from kits.models import KitType

    shelter_kit = shelter_kit or KitType.objects.get(name="Emergency shelter kit (green)").name_ar
    assert shelter_kit
    client.force_login(User.objects.get(username="manager"))
    with translation.override(language):
        response = client.get(reverse("dashboard:project", args=[demo.pk]), HTTP_ACCEPT_LANGUAGE=language)
    cells = target_cells(response.content.decode())
    assert cells[shelter_kit.replace("'", "&#x27;")][1] == "450"
    assert "Emergency shelter kit (green)" not in cells


def test_dashboard_query_count_is_constant(client, progress_fixture, django_assert_max_num_queries):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[progress_fixture["project"]])
    client.force_login(manager)
    url = reverse("dashboard:project", args=[progress_fixture["project"].pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for number in range(6):
        site = factories.site(f"EXTRA-{number}")
        progress_fixture["officer"].assigned_sites.add(site)
        household = factories.household(site, head_name=f"Extra {number}", phone=f"+223 71 00 00 {10 + number}")
        record_receipt(
            recorded_by=progress_fixture["officer"],
            distribution=progress_fixture["distribution"],
            household=household,
            kit_type=progress_fixture["shelter"],
            verification_method="signature",
            received_at=at(f"2024-07-{10 + number}"),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("dashboard:project-list"))


def site_rows(html: str) -> list[str]:
    section = html[html.index('<section id="sites">') :]
    section = section[: section.index("</section>")]
    return re.findall(r'<th scope="row">([^<]+?) <span class="code">', section)


def test_site_table_shows_the_busiest_sites_and_links_to_every_site(client, progress_fixture, monkeypatch):
    from projects import views

    monkeypatch.setattr(views, "TOP_SITES", 2)
    for number in range(2):
        site = factories.site(f"EXTRA-{number}", name=f"Extra {number}")
        progress_fixture["officer"].assigned_sites.add(site)
        household = factories.household(site, head_name=f"Extra {number}", phone=f"+223 71 00 00 {10 + number}")
        record_receipt(
            recorded_by=progress_fixture["officer"],
            distribution=progress_fixture["distribution"],
            household=household,
            kit_type=progress_fixture["shelter"],
            verification_method="signature",
            received_at=at(f"2024-07-{10 + number}"),
        )
    client.force_login(factories.user(Role.PROGRAMME_MANAGER, projects=[progress_fixture["project"]]))
    url = reverse("dashboard:project", args=[progress_fixture["project"].pk])

    html = client.get(url, {"end": "2024-12-31"}).content.decode()
    # Walirdé has 4 kits; the other three 1 kit and 1 household each, so by name.
    assert site_rows(html) == ["Walirdé", "Extra 0"]
    assert "Sites with the most kits distributed: 2 of 4." in html
    assert 'href="?end=2024-12-31&amp;sites=all#sites"' in html  # the other filters are kept

    every = client.get(url, {"end": "2024-12-31", "sites": "all"}).content.decode()
    assert sorted(site_rows(every)) == ["Extra 0", "Extra 1", "Ségou centre", "Walirdé"]
    assert target_cells(every) == target_cells(html)  # the figures do not depend on the table's length
    assert 'href="?end=2024-12-31#sites"' in every

    segou = progress_fixture["segou_site"]
    narrowed = client.get(url, {"site": segou.pk}).content.decode()
    assert f'<option value="{segou.pk}" selected>Ségou centre (SEG)</option>' in narrowed
    assert site_rows(narrowed) == ["Ségou centre"]
    assert "of 4" not in narrowed  # one site: no link


def test_kit_type_filter_narrows_the_page_and_a_foreign_one_is_a_form_error(client, demo):
    from kits.models import KitType

    client.force_login(User.objects.get(username="manager"))
    url = reverse("dashboard:project", args=[demo.pk])
    nfi = KitType.objects.get(code="NFI-ML")
    response = client.get(url, {"kit_type": nfi.pk})
    assert [row["kit_type__code"] for row in response.context["progress"].kits_by_type] == ["NFI-ML"]
    assert f'<option value="{nfi.pk}" selected>' in response.content.decode()
    foreign = client.get(url, {"kit_type": KitType.objects.get(code="WINTER-IQ").pk})
    assert foreign.status_code == 200
    assert foreign.context["form"].errors.keys() == {"kit_type"}
    assert foreign.context["progress"].filters == {}  # the bad filter is shown as an error, not applied

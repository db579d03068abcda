"""The field screens without JavaScript: plain forms and redirects, through the services."""

import pytest
from django.urls import reverse

from accounts.models import Role
from distributions.models import Receipt
from distributions.services import record_receipt
from tests import factories


@pytest.fixture
def officer_client(client, mopti):
    client.force_login(mopti["officer"])
    return client


@pytest.fixture
def household(mopti):
    return factories.household(mopti["site"], head_name="Fatoumata Cissé", phone="+223 76 55 44 33")


def screen(mopti, name="distributions:screen", **kwargs):
    return reverse(name, kwargs={"pk": mopti["distribution"].pk, **kwargs})


def test_home_sends_officers_to_the_picker_and_strangers_to_sign_in(client, officer_client):
    assert officer_client.get("/").url == reverse("distributions:picker")
    client.logout()
    assert client.get("/").url == reverse("login")


def test_picker_lists_only_open_distributions_at_assigned_sites(officer_client, mopti):
    elsewhere = factories.distribution(mopti["project"], factories.site("TAK"), name="Takouti elsewhere")
    closed = factories.distribution(mopti["project"], mopti["site"], name="Closed one", status="completed")
    page = officer_client.get(reverse("distributions:picker")).content.decode()
    assert mopti["distribution"].name in page
    assert elsewhere.name not in page
    assert closed.name not in page


def test_distribution_of_another_site_is_not_found(officer_client, mopti):
    elsewhere = factories.distribution(mopti["project"], factories.site("TAK"), kits=[mopti["shelter"]])
    assert officer_client.get(reverse("distributions:screen", kwargs={"pk": elsewhere.pk})).status_code == 404


@pytest.mark.parametrize("typed", ["code", "code-lower", "name", "phone"])
def test_search_finds_a_household_by_code_name_or_phone(officer_client, mopti, household, typed):
    query = {
        "code": household.display_code,
        "code-lower": household.registration_code.lower(),
        "name": "cissé",
        "phone": "76554433",
    }[typed]
    page = officer_client.get(screen(mopti, "distributions:search"), {"q": query}).content.decode()
    assert household.display_code in page


def test_search_results_do_not_cost_a_query_per_household(officer_client, mopti, django_assert_max_num_queries):
    for number in range(15):
        factories.household(mopti["site"], head_name=f"Diallo {number}")
    with django_assert_max_num_queries(8):
        page = officer_client.get(screen(mopti, "distributions:search"), {"q": "Diallo"}).content.decode()
    assert page.count("<li>") == 15


def test_recording_both_kits_in_one_tap_then_a_duplicate_is_refused_naming_who(officer_client, mopti, household):
    url = screen(mopti, "distributions:household", household_pk=household.pk)
    page = officer_client.get(url)
    batch = page.context["form"]["batch"].value()
    data = {"kit_types": ["ESK", "NFI"], "verification_method": "registration_code", "batch": batch}
    response = officer_client.post(screen(mopti, "distributions:receive", household_pk=household.pk), data)
    assert response.status_code == 302
    assert Receipt.objects.filter(household=household).count() == 2
    # The same form sent twice (double tap, retry) stores nothing more.
    officer_client.post(screen(mopti, "distributions:receive", household_pk=household.pk), data)
    assert Receipt.objects.filter(household=household).count() == 2
    # A fresh form for a household already served is refused with when and by whom.
    data["batch"] = "5f0c3c59-0c4f-4a43-9d55-3c1c3a7f2d10"
    response = officer_client.post(screen(mopti, "distributions:receive", household_pk=household.pk), data, follow=True)
    assert "already received this kit" in response.content.decode()
    assert "Hamadoun Dicko" in response.content.decode()
    assert Receipt.objects.filter(household=household).count() == 2


def test_proxy_without_a_name_is_an_error_beside_the_field(officer_client, mopti, household):
    data = {"kit_types": ["ESK"], "verification_method": "proxy", "batch": "5f0c3c59-0c4f-4a43-9d55-3c1c3a7f2d11"}
    response = officer_client.post(screen(mopti, "distributions:receive", household_pk=household.pk), data)
    assert response.status_code == 400
    assert 'id="id_proxy_name_error"' in response.content.decode()
    assert not Receipt.objects.exists()


def test_void_needs_a_reason_and_shows_in_the_history(officer_client, mopti, household):
    receipt = record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    ).receipt
    url = screen(mopti, "distributions:void", receipt_pk=receipt.pk)
    # The code inside the sentence is isolated (read as written in Arabic too), not escaped.
    assert f'to <bdi dir="ltr">{household.display_code}</bdi> on' in officer_client.get(url).content.decode()
    assert officer_client.post(url, {"reason": " "}).status_code == 400
    assert officer_client.post(url, {"reason": "Wrong household"}).status_code == 302
    history = officer_client.get(reverse("beneficiaries:history", kwargs={"pk": household.pk})).content.decode()
    assert "Wrong household" in history
    assert "Voided on" in history


def test_registration_errors_are_shown_beside_the_fields_then_it_registers(officer_client, mopti):
    url = reverse("beneficiaries:register") + f"?distribution={mopti['distribution'].pk}"
    data = {
        "distribution": mopti["distribution"].pk,
        "head_name": "Oumou Sangaré",
        "head_sex": "F",
        "head_birth_year": "1880",
        "displacement_status": "idp",
        "females_18_59": "1",
        "males_0_5": "2",
    }
    response = officer_client.post(url, data)
    assert response.status_code == 400
    # Every error at once: the form's (consent) and the service's rules (birth year) in one round.
    assert 'id="id_consent_given_error"' in response.content.decode()
    assert 'id="id_head_birth_year_error"' in response.content.decode()
    data["consent_given"] = "on"
    response = officer_client.post(url, data)  # the service's rule, shown beside its field
    assert response.status_code == 400
    assert 'id="id_head_birth_year_error"' in response.content.decode()
    assert not mopti["site"].households.exists()
    data["head_birth_year"] = "1990"
    response = officer_client.post(url, data)
    household = mopti["site"].households.get(head_name="Oumou Sangaré")
    assert household.household_size == 3
    assert response.url == screen(mopti, "distributions:household", household_pk=household.pk)


def test_cards_carry_the_code_as_text_and_qr_svg(officer_client, mopti, household):
    page = officer_client.get(reverse("beneficiaries:cards"), {"site": mopti["site"].pk}).content.decode()
    assert household.display_code in page
    assert "<svg" in page


def test_cards_give_the_household_size_and_the_head_name_only_where_the_project_allows_it(
    officer_client, mopti, household
):
    url = reverse("beneficiaries:cards")
    page = officer_client.get(url, {"site": mopti["site"].pk}).content.decode()
    assert 'class="card-size">4 people<' in page
    assert household.head_name not in page  # off by default
    mopti["project"].cards_show_head_name = True
    mopti["project"].save()
    page = officer_client.get(url, {"household": household.pk}).content.decode()
    assert f'class="card-name">{household.head_name}<' in page
    # Another project at the same site that does not allow it: the strictest wins.
    factories.distribution(factories.project("OTHER"), mopti["site"])
    assert household.head_name not in officer_client.get(url, {"household": household.pk}).content.decode()


def test_cards_page_defaults_to_the_officers_current_site(officer_client, mopti):
    other = factories.site("AAA", name="Aaa first by name")
    mopti["officer"].assigned_sites.add(other)
    page = officer_client.get(reverse("beneficiaries:cards")).content.decode()
    assert f'<option value="{mopti["site"].pk}" selected>' in page


def test_offline_list_is_answered_304_when_nothing_changed(officer_client, mopti, household):
    url = screen(mopti, "distributions:offline")
    first = officer_client.get(url)
    assert first.json()["households"][0][1] == household.registration_code
    assert officer_client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    changed = officer_client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["households"][0][5] == ["ESK"]


def test_language_choice_sticks_to_the_user(officer_client, mopti):
    officer_client.post(reverse("set_language"), {"language": "ar", "next": "/field/"})
    mopti["officer"].refresh_from_db()
    assert mopti["officer"].preferred_language == "ar"
    officer_client.cookies.clear()
    officer_client.force_login(mopti["officer"])
    page = officer_client.get(reverse("distributions:picker")).content.decode()
    assert 'dir="rtl"' in page


def test_donor_viewer_sees_no_household(client, mopti, household):
    donor = factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]])
    client.force_login(donor)
    assert client.get(reverse("beneficiaries:history", kwargs={"pk": household.pk})).status_code == 404


def test_field_pages_show_the_sites_local_time_day_first(officer_client, mopti, household):
    import datetime as dt

    from django.utils import timezone

    from sites.models import Site

    Site.objects.filter(pk=mopti["site"].pk).update(time_zone="Asia/Baghdad")  # UTC+3
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
        received_at=timezone.make_aware(dt.datetime(2024, 7, 3, 9, 5), dt.UTC),
    )
    page = officer_client.get(screen(mopti, "distributions:household", household_pk=household.pk)).content.decode()
    assert "3 July 2024, 12:05" in page  # 09:05 UTC at the site, day first
    assert "July 3" not in page


def test_a_sites_time_zone_comes_from_its_country_unless_set(mopti):
    assert mopti["site"].admin_area.country_code == "MLI" and mopti["site"].zone.key == "Africa/Bamako"
    mopti["site"].time_zone = "Africa/Niamey"
    assert mopti["site"].zone.key == "Africa/Niamey"


def test_kit_and_distribution_names_are_shown_in_the_users_language(officer_client, mopti):
    mopti["shelter"].name_fr = "Kit d'abri d'urgence"
    mopti["shelter"].save()
    mopti["distribution"].name_ar = "توزيع والردي"
    mopti["distribution"].save()
    officer_client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = officer_client.get(screen(mopti)).content.decode()
    assert "Kit d&#x27;abri d&#x27;urgence" in page
    assert mopti["distribution"].name in page  # no French name: the English one stands in
    officer_client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    page = officer_client.get(screen(mopti)).content.decode()
    assert "توزيع والردي" in page
    assert mopti["shelter"].name in page


def test_registration_shows_required_fields_and_rules_in_one_round(officer_client, mopti):
    url = reverse("beneficiaries:register") + f"?distribution={mopti['distribution'].pk}"
    data = {"distribution": mopti["distribution"].pk, "head_birth_year": "2090", "displacement_status": "idp"}
    page = officer_client.post(url, data).content.decode()
    for error_id in ("id_head_name_error", "id_head_sex_error", "id_head_birth_year_error", "members_error"):
        assert f'id="{error_id}"' in page, error_id
    assert 'id="registration-rules"' in page  # the phone's copy of the rules, in the same page


def test_the_manager_sees_late_syncs_and_refusals_on_the_distribution_page(client, mopti):
    import datetime as dt
    import uuid

    from django.utils import timezone

    from distributions.services import record_receipts_bulk

    distribution = mopti["distribution"]
    today = timezone.localdate()
    # From yesterday: "five minutes ago" is yesterday in the first minutes after midnight (the test failed then).
    distribution.planned_start, distribution.planned_end = today - dt.timedelta(days=1), today
    distribution.save()
    late, refused = factories.household(mopti["site"]), factories.household(mopti["site"])
    distribution.status = "completed"
    distribution.save()
    items = [
        {
            "distribution": distribution,
            "household": household,
            "kit_type": mopti["shelter"],
            "verification_method": "thumbprint",
            "client_uuid": uuid.uuid4(),
            "received_at": when,
        }
        for household, when in ((late, timezone.now() - dt.timedelta(minutes=5)), (refused, timezone.now()))
    ]
    record_receipts_bulk(recorded_by=mopti["officer"], items=items)
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]])
    client.force_login(manager)
    page = client.get(screen(mopti)).content.decode()
    assert "1 late sync" in page and late.display_code in page
    assert "1 receipt refused when it synced" in page and refused.display_code in page
    assert "closed on" in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "3 July 2024, 09:05"), ("fr", "3 juillet 2024 09:05"), ("ar", "3 يوليو 2024، 09:05")],
)
def test_dates_are_day_first_in_three_languages(officer_client, mopti, household, language, expected):
    import datetime as dt

    from django.utils import timezone

    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
        received_at=timezone.make_aware(dt.datetime(2024, 7, 3, 9, 5), dt.UTC),  # Mopti: UTC all year
    )
    officer_client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = officer_client.get(screen(mopti, "distributions:household", household_pk=household.pk)).content.decode()
    assert expected in page
    assert "01/07/2024" in officer_client.get(screen(mopti)).content.decode()  # the planned dates, short


def test_an_empty_registration_post_shows_the_errors_not_a_server_error(officer_client, mopti):
    url = reverse("beneficiaries:register") + f"?distribution={mopti['distribution'].pk}"
    response = officer_client.post(url, {})
    assert response.status_code == 400
    assert 'id="id_head_name_error"' in response.content.decode()

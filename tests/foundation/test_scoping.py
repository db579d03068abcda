from accounts import selectors
from accounts.models import Role
from distributions.services import record_receipt
from tests import factories


def test_each_role_sees_its_own_scope(mopti):
    other_site = factories.site("GAO", admin_area=factories.area("ML0703", "Gao"))
    other_project = factories.project("IRQ-TEST")
    mine = factories.household(mopti["site"])
    theirs = factories.household(other_site)
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=mine,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    officer = mopti["officer"]
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]])
    donor = factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]])
    partner = factories.user(Role.PARTNER_SYSTEM, projects=[other_project])
    admin = factories.user(Role.ADMINISTRATOR)

    assert list(selectors.visible_households(officer)) == [mine]
    assert set(selectors.visible_sites(officer)) == {mopti["site"]}
    assert selectors.visible_receipts(officer).count() == 1
    assert list(selectors.visible_projects(manager)) == [mopti["project"]]
    assert mine in selectors.visible_households(manager) and theirs not in selectors.visible_households(manager)
    assert not selectors.visible_households(donor).exists()
    assert selectors.visible_receipts(donor).count() == 1
    assert not selectors.visible_households(partner).exists()
    assert not selectors.visible_receipts(partner).exists()
    assert selectors.visible_households(admin).count() == 2
    assert not selectors.can_see_personal_data(donor)
    partner.personal_data_grant = True
    assert selectors.can_see_personal_data(partner)

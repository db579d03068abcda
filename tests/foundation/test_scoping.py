from accounts import selectors
from accounts.models import Role
from distributions.services import record_receipt
from sites.models import Site
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


def test_a_manager_sees_each_site_its_projects_distribute_at_or_cover_by_any_area_column(db):
    """Each way a project reaches a site counts alone; a site reached twice is listed once."""
    covered = [factories.area(pcode, name) for pcode, name in (("ML0601", "A"), ("ML0602", "B"), ("ML0603", "C"))]
    elsewhere = factories.area("ML0901", "Elsewhere")
    project, other_project = factories.project("MINE"), factories.project("THEIRS")
    project.admin_areas.set(covered)
    other_project.admin_areas.set([])

    def site_reached_by(admin_area, admin1, admin2):
        site = factories.site()
        Site.objects.filter(pk=site.pk).update(admin_area=admin_area, admin1=admin1, admin2=admin2)
        return site

    distributed_at = site_reached_by(elsewhere, elsewhere, None)
    factories.distribution(project, distributed_at)
    factories.distribution(project, distributed_at)
    by_area = site_reached_by(covered[0], elsewhere, elsewhere)
    by_admin1 = site_reached_by(elsewhere, covered[1], elsewhere)
    by_admin2 = site_reached_by(elsewhere, elsewhere, covered[2])
    not_mine = site_reached_by(elsewhere, elsewhere, None)
    factories.distribution(other_project, not_mine)
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[project])
    other_manager = factories.user(Role.PROGRAMME_MANAGER, projects=[other_project])

    mine = [distributed_at, by_area, by_admin1, by_admin2]
    assert sorted(selectors.visible_sites(manager), key=lambda s: s.pk) == mine
    assert list(selectors.visible_sites(other_manager)) == [not_mine]
    assert not selectors.visible_sites(factories.user(Role.PROGRAMME_MANAGER)).exists()
    households = {site.pk: factories.household(site) for site in [*mine, not_mine]}
    assert set(selectors.visible_households(manager)) == {households[site.pk] for site in mine}

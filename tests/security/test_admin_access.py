"""The back office admits administrators only: is_staff or model permissions alone open nothing."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Role
from tests import factories


@pytest.fixture
def staff_officer(db):
    """A field officer flagged is_staff by mistake, even granted a model permission."""
    officer = factories.user(Role.FIELD_OFFICER, username="staff.officer", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_household"))
    return officer


def test_a_staff_flag_does_not_open_the_admin(staff_officer):
    client = Client()
    client.force_login(staff_officer)
    for address in ("/admin/", "/admin/beneficiaries/household/"):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_admin_sign_in_refuses_a_non_administrator(staff_officer):
    client = Client()
    response = client.post("/admin/login/", {"username": "staff.officer", "password": "a-long-test-password"})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


def test_an_administrator_role_without_superuser_flag_uses_the_admin(db):
    administrator = factories.user(Role.ADMINISTRATOR, username="role.admin")
    client = Client()
    response = client.post("/admin/login/", {"username": "role.admin", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert client.get("/admin/beneficiaries/household/").status_code == 200
    assert administrator.has_perm("beneficiaries.view_household")

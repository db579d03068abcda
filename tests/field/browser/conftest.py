"""The field officer's flows in Debian's Chromium at 360x740 (screenshots under test-artifacts/)."""

import pytest


@pytest.fixture
def mopti(mopti):
    """The test operation with the names the README's screenshots show."""
    mopti["shelter"].name = "Emergency shelter kit"
    mopti["nfi"].name = "NFI kit"
    mopti["distribution"].name = "Mopti urban, July 2024: Walirdé"
    for obj in (mopti["shelter"], mopti["nfi"], mopti["distribution"]):
        obj.save()
    return mopti

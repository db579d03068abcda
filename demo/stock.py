"""The Mopti operation's stock (issue 20), loaded with the Mali demo by demo/loader.py. Idempotent: every
movement has a fixed client UUID, so loading again stores nothing new.

450 green emergency shelter kits and 640 NFI kits received into IOM's warehouse in Mopti in June 2024,
dispatched on waybills to the four sites of the first round (1-17 July), handed out there (100 and 75: the
receipts), a few returned, two damaged, and the one kit missing explained: every first-round distribution
reconciles. tests/stock/test_mopti_story.py checks each figure by hand.
"""

import datetime
import uuid

from accounts.models import Organisation, User
from demo.data import UUID_NAMESPACE
from distributions.models import Distribution
from distributions.reconciliation import explain
from kits.models import KitType
from projects.models import Project
from sites.models import AdminArea
from stock.models import MovementKind, Warehouse
from stock.services import record_movement

WAREHOUSE = {
    "code": "ML-MOP-WH1",
    "name": "IOM warehouse, Mopti",
    "name_fr": "Entrepôt de l'OIM, Mopti",
    "name_ar": "مستودع المنظمة الدولية للهجرة، موبتي",
}
# kit code -> (kits, day received, supplier's reference)
RECEIVED = {
    "ESK-ML": (450, datetime.date(2024, 6, 12), "IOM-MLI-PO-2024-0412"),
    "NFI-ML": (640, datetime.date(2024, 6, 18), "IOM-MLI-PO-2024-0419"),
}
DISPATCHED_ON = datetime.date(2024, 6, 28)
RECEIVED_AT_SITE_ON = datetime.date(2024, 6, 30)
CLOSING_COUNT_ON = datetime.date(2024, 7, 18)
# site code -> kit code -> (dispatched, returned, damaged); the receipts hand out 40/30, 30/20, 15/13, 15/12.
FIRST_ROUND = {
    "ML-MOP-WAL": {"ESK-ML": (42, 1, 1), "NFI-ML": (31, 1, 0)},
    "ML-MOP-TAK": {"ESK-ML": (31, 1, 0), "NFI-ML": (21, 0, 1)},
    "ML-MOP-SAR": {"ESK-ML": (15, 0, 0), "NFI-ML": (14, 1, 0)},
    "ML-MOP-TBC": {"ESK-ML": (16, 0, 0), "NFI-ML": (12, 0, 0)},
}
EXPLANATIONS = {
    ("ML-MOP-TBC", "ESK-ML"): "One kit missing at the closing count on 18 July; the site committee reported it "
    "taken during the night of 16 July. Reported to the protection cluster.",
}
DAMAGE_REASON = "Tarpaulin torn and poles missing when unloaded: written off at the site."
RETURN_REASON = "Left over at the end of the distribution, brought back to the warehouse."


class MoptiStock:
    """Writes the story through stock.services and distributions.reconciliation, as users would."""

    def __init__(self, loader, project: Project, kits: dict[str, KitType], orgs: dict[str, Organisation], users):
        self.loader = loader
        self.project, self.kits = project, kits
        self.storekeeper: User = users["storekeeper"]
        self.officer: User = users["officer"]
        self.warehouse = loader.upsert(
            Warehouse,
            {"code": WAREHOUSE["code"]},
            {
                **{name: value for name, value in WAREHOUSE.items() if name != "code"},
                "admin_area": AdminArea.objects.get(pcode="ML0506"),
                "organisation": orgs["IOM"],
            },
        )
        self.warehouse.keepers.add(self.storekeeper)
        self.storekeeper.assigned_projects.add(project)
        for kit_code, (quantity, day, reference) in RECEIVED.items():
            self._move(f"received/{kit_code}", MovementKind.RECEIVED, kit_code, quantity, day, reference=reference)

    def _move(self, key: str, kind: str, kit_code: str, quantity: int, day, *, by=None, **fields) -> None:
        recorded = record_movement(
            recorded_by=by or self.storekeeper,
            kind=kind,
            warehouse=self.warehouse,
            project=self.project,
            kit_type=self.kits[kit_code],
            quantity=quantity,
            occurred_on=day,
            client_uuid=uuid.uuid5(UUID_NAMESPACE, f"stock/{self.warehouse.code}/{key}"),
            **fields,
        )
        self.loader.changes += recorded.created

    def first_round(self, site_code: str, distribution: Distribution) -> None:
        """A first-round distribution's stock, while it is open (demo/loader.py calls it before closing it)."""
        for kit_code, (dispatched, returned, damaged) in FIRST_ROUND[site_code].items():
            key = f"{site_code}/{kit_code}"
            waybill = f"WB-MOP-2024-{site_code[-3:]}-{kit_code[:3]}"
            on_site = {"distribution": distribution}
            self._move(
                f"dispatched/{key}",
                MovementKind.DISPATCHED,
                kit_code,
                dispatched,
                DISPATCHED_ON,
                reference=waybill,
                **on_site,
            )
            self._move(
                f"at-site/{key}",
                MovementKind.RECEIVED_AT_SITE,
                kit_code,
                dispatched,
                RECEIVED_AT_SITE_ON,
                reference=waybill,
                by=self.officer,
                **on_site,
            )
            for kind, quantity, reason in (
                (MovementKind.RETURNED, returned, RETURN_REASON),
                (MovementKind.DAMAGED, damaged, DAMAGE_REASON),
            ):
                if quantity:
                    self._move(
                        f"{kind}/{key}",
                        kind,
                        kit_code,
                        quantity,
                        CLOSING_COUNT_ON,
                        reason=reason,
                        by=self.officer,
                        **on_site,
                    )
            # Loaded again, the distribution is completed and its explanation stays as reconciled.
            if (site_code, kit_code) in EXPLANATIONS and distribution.status != distribution.Status.COMPLETED:
                explain(distribution, self.kits[kit_code], EXPLANATIONS[site_code, kit_code], self.officer)

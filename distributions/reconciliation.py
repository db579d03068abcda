"""A distribution's reconciliation (issue 20): kits dispatched to it against those handed out (receipts),
returned and written off at the site, per kit type, and the variance someone must explain.

    variance = dispatched − handed out − returned − damaged − lost
    (kits; > 0 unaccounted for, < 0 more handed out than dispatched)

During the distribution the same figure is what is left on site, shown on the field screen after each
receipt (`KitReconciliation.on_site`). The stock side (dispatches, returns, write-offs, explanations) is
stock's (stock/selectors.py); `stock` sits below `distributions` (docs/architecture.md), so this module joins the two,
and `distributions.plans.update_distribution` refuses completing with an unexplained variance
(`refuse_unexplained_variance`). A distribution no kits were dispatched to has no reconciliation: its stock is
not tracked here, and it completes as before.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from distributions.models import Distribution, Receipt
from kits.models import KitType
from stock.selectors import distribution_stock, explanations
from stock.services import explain_variance


@dataclass(frozen=True)
class KitReconciliation:
    kit_type: KitType
    dispatched: int
    received_at_site: int
    handed_out: int
    returned: int
    damaged: int
    lost: int
    explanation: str = ""
    explained_variance: int | None = None  # the variance the explanation was written for

    @property
    def variance(self) -> int:
        return self.dispatched - self.handed_out - self.returned - self.damaged - self.lost

    @property
    def on_site(self) -> int:
        """Kits left on site while the distribution runs: the same figure as the variance."""
        return self.variance

    @property
    def explained(self) -> bool:
        """No variance, or an explanation written for this very variance."""
        return self.variance == 0 or self.explained_variance == self.variance


def handed_out(distribution: Distribution) -> dict[int, int]:
    """Kits handed out per kit type id: the distribution's active receipts' quantities (one GROUP BY)."""
    rows = (
        Receipt.objects.filter(distribution=distribution, voided_at__isnull=True)
        .values("kit_type_id")
        .annotate(kits=Sum("quantity"))
    )
    return {row["kit_type_id"]: row["kits"] for row in rows}


def reconciliation(distribution: Distribution) -> list[KitReconciliation]:
    """One row per kit type dispatched to the distribution or handed out there, by kit code; empty when no kits
    were dispatched to it. Four queries."""
    stock = distribution_stock(distribution.pk)
    if not stock:
        return []
    given = handed_out(distribution)
    notes = explanations(distribution.pk)
    kits = KitType.objects.in_bulk(set(stock) | set(given))
    zero = dict.fromkeys(("dispatched", "received_at_site", "returned", "damaged", "lost"), 0)
    rows = [
        KitReconciliation(
            kit_type=kits[kit_id],
            handed_out=given.get(kit_id, 0),
            explanation=notes[kit_id].explanation if kit_id in notes else "",
            explained_variance=notes[kit_id].variance if kit_id in notes else None,
            **stock.get(kit_id, zero),
        )
        for kit_id in kits
    ]
    return sorted(rows, key=lambda row: row.kit_type.code)


def refuse_unexplained_variance(distribution: Distribution) -> None:
    """Raise ValidationError on `status` naming each kit type whose variance is not explained (issue 20: a
    distribution cannot be marked completed with an unexplained variance)."""
    unexplained = [row for row in reconciliation(distribution) if not row.explained]
    if unexplained:
        listed = ", ".join(f"{row.kit_type.code} ({row.variance:+d})" for row in unexplained)
        raise ValidationError(
            {"status": [_("Explain the stock variance before completing: %(kits)s.") % {"kits": listed}]}
        )


@transaction.atomic
def explain(distribution: Distribution, kit_type: KitType, explanation: str, explained_by: User):
    """Explain the current variance of `kit_type` at `distribution` (ValidationError on `kit_type` when the kit
    type was not dispatched there, on `explanation` when empty or when the distribution is completed: it stays
    as it was reconciled, as its movements do, stock.services._distribution_errors)."""
    # Locked as its completion locks it (distributions.plans.update_distribution): one after the other.
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.status == Distribution.Status.COMPLETED:
        raise ValidationError({"explanation": [_("This distribution is completed and reconciled.")]})
    rows = {row.kit_type.pk: row for row in reconciliation(distribution)}
    if kit_type.pk not in rows:
        raise ValidationError({"kit_type": [_("No kits of this type were dispatched to this distribution.")]})
    return explain_variance(
        distribution=distribution,
        kit_type=kit_type,
        variance=rows[kit_type.pk].variance,
        explanation=explanation,
        explained_by=explained_by,
    )

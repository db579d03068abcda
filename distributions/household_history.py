"""Reads about households that reach across to their receipts and projects: a household's audit trail
(its own changes and its receipts'), and which sites' household cards may carry the head's name.

In `distributions` because they read receipts and distributions, which `beneficiaries` must not import.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import can_see_change_history
from beneficiaries.models import Household
from distributions.models import Distribution, Receipt
from sites.models import Site


def sites_printing_head_names(site_ids: set[int]) -> set[int]:
    """Sites whose household cards may carry the head's name: at least one project has a distribution there,
    and every such project allows it (Project.cards_show_head_name; the strictest project wins). One query."""
    allowed: dict[int, bool] = {}
    rows = Distribution.objects.filter(site_id__in=site_ids).values_list("site_id", "project__cards_show_head_name")
    for site_id, allows in rows.distinct():
        allowed[site_id] = allowed.get(site_id, True) and allows
    return {site_id for site_id, allows in allowed.items() if allows}


@dataclass
class Change:
    """One entry of a household's audit trail, ready to show."""

    when: object
    who: str
    channel: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


_HIDDEN_CHANGES = {"updated_at", "household_size"}  # follow from other changes shown


def _shown(model, name: str, value, sites: dict) -> str:
    if value in (None, ""):
        return "—"
    if name == "site":
        return sites.get(value, str(value))
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _who(row) -> str:
    user = row.history_user
    return (user.get_full_name() or user.get_username()) if user else str(_("system"))


def household_changes(user: User, household: Household) -> list[Change]:
    """The audit trail of a household and its receipts, newest first; empty for roles that may not see it.

    Three queries whatever the length: the household's history, its receipts' history, site names.
    """
    if not can_see_change_history(user):
        return []
    rows = list(household.history.select_related("history_user").order_by("history_date", "history_id"))
    receipt_rows = list(
        Receipt.history.filter(household_id=household.pk)
        .select_related("history_user", "kit_type")
        .order_by("history_date", "history_id")
    )
    site_ids = {row.site_id for row in rows}
    sites = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name"))
    changes = [_change(row, previous, Household, sites) for previous, row in _pairs(rows)]
    for previous, row in _pairs(receipt_rows):
        change = _change(row, previous, Receipt, sites)
        kit = f"{row.kit_type.name} × {row.quantity}" if row.kit_type else ""
        change.action = f"{change.action}: {_('receipt')} {kit}".strip()
        changes.append(change)
    return sorted(changes, key=lambda change: change.when, reverse=True)


def _pairs(rows: list) -> list[tuple]:
    """(previous version of the same object or None, row), oldest first."""
    latest: dict[int, object] = {}
    pairs = []
    for row in rows:
        pairs.append((latest.get(row.id), row))
        latest[row.id] = row
    return pairs


def _change(row, previous, model, sites: dict) -> Change:
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    change = Change(
        when=row.history_date,
        who=_who(row),
        channel=row.get_channel_display(),
        action=str(actions.get(row.history_type, row.history_type)),
    )
    if previous is not None:
        for diff in row.diff_against(previous).changes:
            if diff.field in _HIDDEN_CHANGES:
                continue
            label = str(model._meta.get_field(diff.field).verbose_name)
            change.fields.append(
                (label, _shown(model, diff.field, diff.old, sites), _shown(model, diff.field, diff.new, sites))
            )
    return change

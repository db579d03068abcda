"""Retention: the personal data of households is removed once no project that served them still needs it.

A household is past retention when every project it received from has ended more than the project's
`retention_months` ago (its latest end plus retention is past), or, if it never received anything,
`RETENTION_UNLINKED_MONTHS` after its registration. Anonymising blanks what identifies the household
(name, phone, ID document, the duplicate-match keys derived from them, a proxy collector's name on its
receipts, submitted fields of decided duplicate reviews, and the same values in the audit trail), and
keeps its sex-and-age counts, vulnerability, site and receipts: the receipts hold the figures frozen
when they were recorded, so every figure and report stays as it was.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts import audit
from accounts.models import User
from beneficiaries.models import DuplicateReview, Household
from distributions.models import Receipt, VerificationMethod
from projects.models import Project

BATCH_SIZE = 500
# Blanked on the household and in its audit trail.
PERSONAL_FIELDS = ("head_name", "phone", "id_document_type", "id_document_number")
MATCH_KEYS = ("head_name_key", "head_name_skeleton", "phone_key", "id_document_key")
# A proxy receipt must name its collector (a database constraint): the name gives way to this.
ANONYMISED_PROXY_NAME = "anonymised"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def retention_end(project: Project) -> datetime.date:
    """The last day the project keeps the personal data of the households it served."""
    return add_months(project.end_date, project.retention_months)


def households_past_retention(today: datetime.date | None = None) -> QuerySet[Household]:
    """Households not yet anonymised whose personal data no project needs any more. Two index probes each."""
    today = today or timezone.localdate()
    projects = list(Project.objects.only("pk", "end_date", "retention_months"))
    expired = [project.pk for project in projects if retention_end(project) < today]
    retained = [project.pk for project in projects if retention_end(project) >= today]
    receipts = Receipt.objects.filter(household=OuterRef("pk")).order_by()
    served_by_expired = Exists(receipts.filter(distribution__project__in=expired))
    served_by_retained = Exists(receipts.filter(distribution__project__in=retained))
    unlinked_before = add_months(today, -settings.RETENTION_UNLINKED_MONTHS)
    never_served = ~Exists(receipts) & Q(registered_at__date__lt=unlinked_before)
    return Household.objects.filter(anonymised_at__isnull=True).filter(
        (Q(served_by_expired) & ~Q(served_by_retained)) | never_served
    )


@dataclass(frozen=True)
class RetentionPlan:
    """What an anonymisation run would do: counts only, no names."""

    total: int
    by_project: dict[str, int]  # project code -> households it served (a household may count under several)
    never_served: int


def retention_plan(today: datetime.date | None = None) -> RetentionPlan:
    """The dry run: three counting queries, nothing written."""
    due = households_past_retention(today)
    by_project = dict(
        Receipt.objects.filter(household__in=due.values("pk"))
        .values_list("distribution__project__code")
        .annotate(households=Count("household", distinct=True))
        .order_by("distribution__project__code")
    )
    never_served = due.filter(~Exists(Receipt.objects.filter(household=OuterRef("pk")))).count()
    return RetentionPlan(total=due.count(), by_project=by_project, never_served=never_served)


def anonymise_households(
    *, today: datetime.date | None = None, by: User | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Anonymise every household past retention, a batch per transaction; returns how many. Safe to rerun."""
    anonymised = 0
    while True:
        with transaction.atomic():
            ids = list(households_past_retention(today).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return anonymised
            anonymised += _anonymise_batch(ids, by)


def _anonymise_batch(ids: list[int], by: User | None) -> int:
    households = list(Household.objects.select_for_update().filter(pk__in=ids, anonymised_at__isnull=True))
    now = timezone.now()
    for household in households:
        for name in (*PERSONAL_FIELDS, *MATCH_KEYS):
            setattr(household, name, "")
        household.anonymised_at = now
    # The anonymisation itself is in the audit trail (who, when, through what), with the blanked values.
    audit.bulk_update_with_history(households, Household, [*PERSONAL_FIELDS, *MATCH_KEYS, "anonymised_at"], user=by)
    ids = [household.pk for household in households]
    Household.history.filter(id__in=ids).update(**dict.fromkeys(PERSONAL_FIELDS, ""))
    proxies = {"household_id__in": ids, "verification_method": VerificationMethod.PROXY}
    proxy_receipts = list(Receipt.objects.filter(**proxies).exclude(proxy_name=ANONYMISED_PROXY_NAME))
    for receipt in proxy_receipts:
        receipt.proxy_name = ANONYMISED_PROXY_NAME
    audit.bulk_update_with_history(proxy_receipts, Receipt, ["proxy_name"], user=by)
    Receipt.history.filter(**proxies).update(proxy_name=ANONYMISED_PROXY_NAME)
    DuplicateReview.objects.filter(Q(household_id__in=ids) | Q(candidate_id__in=ids)).exclude(
        status=DuplicateReview.Status.PENDING
    ).update(submitted_fields={})
    return len(households)

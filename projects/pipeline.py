"""A project's kit pipeline (issue 20): per kit type, procured (received into warehouses), in stock, dispatched
to distributions (net of returns), handed out (receipts), damaged or lost, issued to organisations, against
the kits target. Shown on the dashboard and in the donor report (projects/reports/pipeline.py).

One read of each source, whatever the number of movements or receipts: the stock balances (stock/selectors.py)
and the kit summaries (distributions/progress/queries.py). Figures are kits, not households: there is no
small count to withhold in the warehouse figures; kits handed out are receipts, withheld with a small reach
(projects.disclosure.disclosed_pipeline, on the dashboard). A donor viewer sees only this aggregate, never the
warehouses' rows (accounts.selectors.can_see_stock).
"""

from dataclasses import asdict, dataclass

from django.db.models import Sum

from config.names import in_language
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import kits_by
from kits.models import KitType
from projects.models import Project, Target
from stock.selectors import project_stock


@dataclass(frozen=True)
class PipelineRow:
    kit_type_id: int
    code: str
    name: str
    name_fr: str
    name_ar: str
    target: int | None  # the project-wide kits target of this kit type (no area), if any
    procured: int
    in_stock: int
    dispatched: int  # dispatched to distributions, less what came back
    handed_out: int
    damaged_or_lost: int  # in warehouses and at sites
    issued: int  # to organisations (institutional handovers)

    @property
    def local_name(self) -> str:
        """The kit's name in the active language (config.names)."""
        return in_language(self, "name")

    @property
    def handed_out_share(self) -> float | None:
        """Handed out over the target (0-1+), None without a target."""
        return self.handed_out / self.target if self.target else None


def project_pipeline(project: Project) -> list[PipelineRow]:
    """The pipeline per kit type of every kit the project procured, handed out or targets, by kit code; an
    empty list when the project has none. Four queries."""
    stock = project_stock(project.pk)
    if not stock:
        return []  # no stock tracked for this project: the pipeline would repeat the progress figures
    handed = {row["kit_type_id"]: row["kits"] for row in kits_by([project.pk], ProgressFilter(), "kit_type_id")}
    targets = {
        row["kit_type_id"]: row["value"]
        for row in Target.objects.filter(
            project=project,
            indicator=Target.Indicator.KITS_DISTRIBUTED,
            kit_type__isnull=False,
            admin_area__isnull=True,
        )
        .values("kit_type_id")
        .annotate(value=Sum("target_value"))
    }
    kits = KitType.objects.in_bulk(set(stock) | set(handed) | set(targets))
    rows = []
    for kit_id, kit in kits.items():
        figures = stock.get(kit_id, {})
        rows.append(
            PipelineRow(
                kit_type_id=kit_id,
                code=kit.code,
                name=kit.name,
                name_fr=kit.name_fr,
                name_ar=kit.name_ar,
                target=targets.get(kit_id),
                procured=figures.get("received", 0),
                in_stock=figures.get("on_hand", 0),
                dispatched=figures.get("dispatched", 0) - figures.get("returned", 0),
                handed_out=handed.get(kit_id, 0),
                damaged_or_lost=figures.get("written_off", 0)
                + figures.get("damaged_at_sites", 0)
                + figures.get("lost_at_sites", 0),
                issued=figures.get("issued", 0),
            )
        )
    return sorted(rows, key=lambda row: row.code)


def pipeline_json(rows: list[PipelineRow]) -> list[dict]:
    """The rows as frozen into a donor report's figures (projects/reports/figures.py)."""
    return [asdict(row) for row in rows]

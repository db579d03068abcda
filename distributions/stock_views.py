"""A distribution's stock on the field side (issue 20): its reconciliation page, where field officers record
kits received at the site, returned or written off there and explain a variance, and the warning after a
receipt beyond what is on site. Who may: accounts.selectors.visible_reconciliations. Figures:
distributions/reconciliation.py; writes: stock.services.record_movement and reconciliation.explain."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import visible_reconciliations
from config.forms import add_service_errors
from distributions.models import Distribution
from distributions.reconciliation import explain, reconciliation
from stock.models import MovementKind
from stock.selectors import dispatch_warehouse
from stock.services import record_movement

# What the field records at a site; the warehouse records the rest (stock's pages and the API).
SITE_KINDS = (MovementKind.RECEIVED_AT_SITE, MovementKind.RETURNED, MovementKind.DAMAGED, MovementKind.LOST)


class SiteMovementForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What happened"), choices=[(k.value, k.label) for k in SITE_KINDS])
    kit_type = forms.ChoiceField(label=gettext_lazy("Kit type"))
    quantity = forms.IntegerField(label=gettext_lazy("Kits"), min_value=1, max_value=1_000_000)
    occurred_on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=gettext_lazy("Waybill number"), max_length=100, required=False)
    reason = forms.CharField(label=gettext_lazy("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kit_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kit_type"].choices = kit_choices
        self.fields["occurred_on"].initial = timezone.localdate()


class ExplanationForm(forms.Form):
    kit_type = forms.ChoiceField(label=gettext_lazy("Kit type"))
    explanation = forms.CharField(
        label=gettext_lazy("Why the kits do not add up"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kit_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kit_type"].choices = kit_choices


def _distribution(request: HttpRequest, pk: int) -> Distribution:
    distribution = visible_reconciliations(request.user).select_related("site", "project").filter(pk=pk).first()
    if distribution is None:
        raise Http404
    return distribution


def _page(request, distribution, rows, movement_form=None, explanation_form=None, status=200) -> HttpResponse:
    choices = [(row.kit_type.code, row.kit_type.local_name) for row in rows]
    context = {
        "distribution": distribution,
        "rows": rows,
        "movement_form": movement_form or SiteMovementForm(kit_choices=choices),
        "explanation_form": explanation_form or ExplanationForm(kit_choices=choices),
        "open": distribution.status != Distribution.Status.COMPLETED,
    }
    return render(request, "field/reconciliation.html", context, status=status)


@login_required
@require_GET
def reconciliation_page(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = _distribution(request, pk)
    return _page(request, distribution, reconciliation(distribution))


def _posted(request: HttpRequest, pk: int, form_class):
    """The distribution, its reconciliation rows, its kit types by code, and `form_class` bound to the POST
    with those kit types as choices."""
    distribution = _distribution(request, pk)
    rows = reconciliation(distribution)
    kits = {row.kit_type.code: row.kit_type for row in rows}
    form = form_class(request.POST, kit_choices=[(code, kit.local_name) for code, kit in kits.items()])
    return distribution, rows, kits, form


@login_required
@require_POST
def site_movement(request: HttpRequest, pk: int) -> HttpResponse:
    distribution, rows, kits, form = _posted(request, pk, SiteMovementForm)
    if form.is_valid():
        kit_type = kits[form.cleaned_data["kit_type"]]
        # The warehouse of the kits' dispatch; none for a kit type only handed out here (a row of the
        # reconciliation too): nothing came from a warehouse, so nothing can be received, returned or written off.
        warehouse = dispatch_warehouse(distribution.pk, kit_type.pk)
        try:
            if warehouse is None:
                raise ValidationError({"kit_type": [_("No kits of this type were dispatched to this distribution.")]})
            record_movement(
                recorded_by=request.user,
                warehouse=warehouse,
                project=distribution.project,
                distribution=distribution,
                kit_type=kit_type,
                **{
                    name: form.cleaned_data[name] for name in ("kind", "quantity", "occurred_on", "reference", "reason")
                },
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("distributions:reconciliation", pk=distribution.pk)
    return _page(request, distribution, rows, movement_form=form, status=400)


@login_required
@require_POST
def explain_variance(request: HttpRequest, pk: int) -> HttpResponse:
    distribution, rows, kits, form = _posted(request, pk, ExplanationForm)
    if form.is_valid():
        try:
            explain(distribution, kits[form.cleaned_data["kit_type"]], form.cleaned_data["explanation"], request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The explanation is recorded."))
            return redirect("distributions:reconciliation", pk=distribution.pk)
    return _page(request, distribution, rows, explanation_form=form, status=400)


def warn_beyond_on_site(request: HttpRequest, distribution: Distribution, kit_codes) -> None:
    """After a receipt: a warning (never a refusal: kits may come on a second truck, recorded later) for each
    kit type of `kit_codes` handed out beyond what was dispatched to the distribution."""
    for row in reconciliation(distribution):
        if row.kit_type.code in kit_codes and row.on_site < 0:
            messages.warning(
                request,
                _("%(kit)s: %(count)s more handed out than dispatched to this site. Record the second truck.")
                % {"kit": row.kit_type.local_name, "count": -row.on_site},
            )

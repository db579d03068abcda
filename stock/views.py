"""Storekeepers' pages (issue 20): their warehouses with the stock on hand, each warehouse's movements and the
form to record one. Scopes: accounts.selectors (visible_warehouses, visible_stock_balances,
visible_stock_movements, can_record_movements); writes: stock.services.record_movement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.selectors import (
    can_record_movements,
    visible_stock_balances,
    visible_stock_movements,
    visible_warehouses,
)
from config.forms import add_service_errors
from stock.forms import MovementForm
from stock.services import record_movement

MOVEMENTS_SHOWN = 50


@login_required
@require_safe
def warehouses(request: HttpRequest) -> HttpResponse:
    """The user's warehouses with the kits on hand in each (its projects' stock)."""
    totals = dict(
        visible_stock_balances(request.user).values_list("warehouse_id").annotate(kits=Sum("on_hand")).order_by()
    )
    rows = [
        {"warehouse": warehouse, "on_hand": totals.get(warehouse.pk, 0)}
        for warehouse in visible_warehouses(request.user).select_related("admin_area")
    ]
    return render(request, "stock/warehouses.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def warehouse(request: HttpRequest, pk: int) -> HttpResponse:
    """A warehouse's stock on hand per project and kit type, its latest movements, and (for those who may
    record movements) the form; POST records one (400 with the form's field errors when refused)."""
    place = visible_warehouses(request.user).filter(pk=pk).first()
    if place is None:
        raise Http404
    may_record = can_record_movements(request.user)
    form = MovementForm(request.POST or None, user=request.user) if may_record else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                record_movement(recorded_by=request.user, warehouse=place, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The movement is recorded."))
                return redirect("stock:warehouse", pk=place.pk)
        status = 400
    context = {
        "warehouse": place,
        "balances": visible_stock_balances(request.user)
        .filter(warehouse=place)
        .select_related("project", "kit_type")
        .order_by("project__code", "kit_type__code"),
        "movements": visible_stock_movements(request.user)
        .filter(warehouse=place)
        .select_related("project", "kit_type", "distribution", "organisation", "recorded_by")[:MOVEMENTS_SHOWN],
        "form": form,
    }
    return render(request, "stock/warehouse.html", context, status=status)

"""Pages of distribution lists (issue 19): plan with criteria and a live count, approve, change with a reason;
at the distribution point, what is left to serve, the officer's tally and closed day, the supervisor's override,
and the list a phone keeps offline. Thin: who may is accounts.selectors', reads lists/selectors', writes
lists/services'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import (
    can_manage_lists,
    can_override_list,
    can_record_receipts,
    can_see_personal_data,
    visible_projects,
    visible_sites,
)
from beneficiaries import codes
from beneficiaries.models import Household
from beneficiaries.selectors import visible_household
from distributions.lists import criteria as rules_sql
from distributions.lists import selectors, services
from distributions.lists.forms import ChangeForm, CriteriaForm, PlanForm, ReasonForm
from distributions.models import Distribution, DistributionItem
from distributions.selectors import visible_field_distribution
from kits.models import KitType


def _manager(request: HttpRequest) -> None:
    if not can_manage_lists(request.user):
        raise PermissionDenied


def _add_errors(form, error: ValidationError) -> None:
    for name, field_messages in error.message_dict.items():
        field = name.removeprefix("criteria.").split(".")[0]
        form.add_error(field if field in form.fields else None, field_messages)


@login_required
def plan(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Plan a distribution: "Count" shows what the criteria select by site, before anything is saved."""
    _manager(request)
    try:
        project = visible_projects(request.user).get(pk=project_pk)
    except ObjectDoesNotExist:  # the project model's DoesNotExist (accounts resolves it by label)
        raise Http404 from None
    sites = visible_sites(request.user).order_by("name")
    form = PlanForm(request.POST or None, sites=sites, officers=selectors.supervisor_candidates(sites))
    counts = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "count":
            counts = _count_unsaved(form, project)
        else:
            try:
                dlist = services.plan_distribution(
                    created_by=request.user,
                    project=project,
                    items=form.items(),
                    criteria=form.criteria(),
                    rules=form.rules(),
                    **form.plan_fields(),
                )
                dlist.supervisors.set(form.cleaned_data["supervisors"])
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The distribution is planned: check the count and approve its list."))
                return redirect("lists:detail", pk=dlist.distribution_id)
    status = 400 if form.errors else 200
    context = {"project": project, "form": form, "counts": counts}
    return render(request, "lists/plan.html", context, status=status)


def _count_unsaved(form: PlanForm, project) -> dict | None:
    """The live count of the plan page's criteria, nothing saved (errors go to the form)."""
    distribution = Distribution(project=project, **form.plan_fields())
    items = [
        DistributionItem(kit_type_id=item["kit_type"].pk, **{k: v for k, v in item.items() if k != "kit_type"})
        for item in form.items()
    ]
    try:
        criteria = rules_sql.clean_criteria(
            form.criteria(),
            site_ids=set(form.fields["sites"].queryset.values_list("pk", flat=True)),
            kit_type_ids=set(KitType.objects.values_list("pk", flat=True)),
        )
        rules = rules_sql.clean_rules(form.rules(), items=items)
    except ValidationError as error:
        _add_errors(form, error)
        return None
    counts = selectors.count_selected(distribution, items, criteria, rules)
    counts["kit_types"] = {item.kit_type_id: item.kit_type for item in items}
    return counts


def _managed(request: HttpRequest, pk: int):
    _manager(request)
    try:
        return selectors.visible_managed_list(request.user, pk)
    except Distribution.DoesNotExist:
        raise Http404 from None


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A distribution's list: criteria (editable while a draft) and their count by site, approval, changes with
    a reason, absentees, and the sign sheets."""
    distribution, dlist = _managed(request, pk)
    sites = visible_sites(request.user).order_by("name")
    initial = {}
    if dlist:
        initial = {**dlist.criteria, "supervisors": list(dlist.supervisors.all())}
        initial.update({f"members_min_{k}": v for k, v in dlist.criteria.get("members_min", {}).items()})
    editable = dlist is None or not dlist.is_approved
    form = CriteriaForm(
        request.POST if request.method == "POST" and editable else None,
        initial=initial,
        sites=sites,
        officers=selectors.supervisor_candidates(sites),
    )
    if request.method == "POST" and editable and form.is_valid():
        try:
            services.save_list(
                distribution,
                by=request.user,
                criteria=form.criteria(),
                rules=dlist.rules if dlist else {},
                supervisors=list(form.cleaned_data["supervisors"]),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The criteria are saved."))
            return redirect("lists:detail", pk=pk)
    return _detail_page(request, distribution, dlist, form, ChangeForm(), status=400 if form.errors else 200)


def _detail_page(request, distribution, dlist, form, change_form, status=200) -> HttpResponse:
    absent = selectors.absentees(dlist) if dlist and dlist.is_approved else None
    context = {
        "distribution": distribution,
        "dlist": dlist,
        "form": form,
        "absent_rows": [
            (Household._meta.get_field(flag).verbose_name, count)
            for flag, count in (absent["absent_by_vulnerability"].items() if absent else [])
        ],
        "change_form": change_form,
        "items": list(distribution.items.select_related("kit_type")),
        "counts": selectors.selection_counts(dlist) if dlist else None,
        "absentees": absent,
        "changes": list(dlist.changes.select_related("household", "made_by")[:50]) if dlist else [],
        "languages": (("en", "English"), ("fr", "Français"), ("ar", "العربية")),
    }
    return render(request, "lists/detail.html", context, status=status)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    _distribution, dlist = _managed(request, pk)
    if dlist is None:
        messages.error(request, _("Save the criteria first."))
        return redirect("lists:detail", pk=pk)
    try:
        services.approve_list(dlist, approved_by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The list is approved: the planned totals now come from it."))
    return redirect("lists:detail", pk=pk)


@login_required
@require_POST
def change(request: HttpRequest, pk: int) -> HttpResponse:
    distribution, dlist = _managed(request, pk)
    form = ChangeForm(request.POST)
    if form.is_valid():
        code = codes.normalise(form.cleaned_data["registration_code"])
        household = selectors.visible_household_by_code(request.user, code)
        if household is None:
            form.add_error("registration_code", _("No household with this registration code in your scope."))
        elif dlist is None:
            form.add_error(None, _("Approve the list first."))
        else:
            write = services.add_household if form.cleaned_data["action"] == "add" else services.remove_household
            try:
                write(dlist, household, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The list is changed."))
                return redirect("lists:detail", pk=pk)
    return _detail_page(request, distribution, dlist, None, form, status=400)


# --- At the distribution point -------------------------------------------------------------------------------


def _field(request: HttpRequest, pk: int) -> tuple[Distribution, object]:
    try:
        distribution = visible_field_distribution(request.user, pk)
    except Distribution.DoesNotExist:
        raise Http404 from None
    return distribution, selectors.approved_list(distribution)


@login_required
@require_GET
def pending(request: HttpRequest, pk: int) -> HttpResponse:
    """Households on the list not served yet, by site, with counts (names only for roles that see them)."""
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    distribution, dlist = _field(request, pk)
    left = selectors.pending(dlist, after=request.GET.get("after", "")) if dlist else None
    context = {
        "distribution": distribution,
        "dlist": dlist,
        "left": left,
        "sites": {s.pk: s for s in visible_sites(request.user)},
    }
    if left:
        context["kit_types"] = {
            item.kit_type_id: item.kit_type for item in distribution.items.select_related("kit_type")
        }
    return render(request, "lists/pending.html", context)


@login_required
def tally(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's own day: households served, kits by type, overrides, voids; "Close my day" keeps it."""
    if not can_record_receipts(request.user):
        raise PermissionDenied
    distribution, dlist = _field(request, pk)
    if request.method == "POST" and dlist:
        services.close_day(dlist, officer=request.user)
        messages.success(request, _("Your day is closed: show this tally to the site focal point."))
        return redirect("lists:tally", pk=pk)
    day = timezone.localdate(timezone.now(), distribution.site.zone)
    figures = selectors.tally(dlist, request.user, day) if dlist else None
    closure = dlist.closures.filter(officer=request.user, day=day).first() if dlist else None
    kit_types = {item.kit_type_id: item.kit_type for item in distribution.items.select_related("kit_type")}
    context = {
        "distribution": distribution,
        "dlist": dlist,
        "tally": figures,
        "closure": closure,
        "kit_types": kit_types,
    }
    return render(request, "lists/tally.html", context)


@login_required
@require_POST
def override(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    """A supervisor lets a household off the list be served, with a reason."""
    _distribution, dlist = _field(request, pk)
    if not can_override_list(request.user, dlist) and dlist is not None:
        raise PermissionDenied
    if dlist is None and not can_manage_lists(request.user):
        raise PermissionDenied
    try:
        household = visible_household(request.user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    form = ReasonForm(request.POST)
    if dlist is None:
        return HttpResponse(_("This distribution has no approved list."), status=400)
    if form.is_valid():
        try:
            services.override_list(dlist, household, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Override recorded: this household may be served."))
    else:
        messages.error(request, _("Say why this household is served though not on the list."))
    return redirect("distributions:household", pk=pk, household_pk=household_pk)


@login_required
@require_GET
def offline(request: HttpRequest, pk: int) -> JsonResponse:
    """The approved list as a phone keeps it (selectors.offline_list); `?since=<cursor>` for the changes only."""
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    _distribution, dlist = _field(request, pk)
    if dlist is None:
        return JsonResponse({"list": None})
    try:
        since = int(request.GET["since"]) if request.GET.get("since") else None
    except ValueError:
        return JsonResponse({"since": [_("Enter a whole number.")]}, status=400)
    response = JsonResponse(selectors.offline_list(request.user, dlist, since))
    response["Cache-Control"] = "private, no-cache"
    return response

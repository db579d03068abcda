"""The sign sheet of a distribution list (issue 19): one site's households on the list, as a printable PDF or
an XLSX, in English, French or Arabic: code, head's name (for roles that see personal data), size, entitlement,
and an empty column to sign or thumbprint. In `projects` because the PDF's Arabic text is drawn by
projects/reports/pdf_text.py; the rows come from distributions.lists.selectors.sheet_rows."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from accounts.models import Role
from accounts.selectors import can_manage_lists, can_see_personal_data, visible_field_distributions, visible_sites
from config.spreadsheets import xlsx_row
from distributions.lists.selectors import approved_list, sheet_rows
from distributions.models import Distribution
from projects.reports.pdf_text import BOLD, FONT, paragraph, register_fonts, right_to_left, shaped

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LANGUAGES = ("en", "fr", "ar")


def _header(kit_names: list[str], names: bool) -> list[str]:
    return [
        _("Registration code"),
        *([_("Head of household")] if names else []),
        _("Size"),
        *kit_names,
        _("Signature or thumbprint"),
    ]


def _cells(row: dict, kit_ids: list[int], names: bool) -> list:
    return [row["code"], *([row["name"]] if names else []), row["size"], *(row["kits"].get(k, 0) for k in kit_ids), ""]


def build_xlsx(title: str, kit_names: list[str], kit_ids: list[int], rows: list[dict], names: bool) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("Sign sheet")[:31])
    if right_to_left():
        sheet.sheet_view.rightToLeft = True
    sheet.append(xlsx_row(sheet, [title]))
    sheet.append(xlsx_row(sheet, _header(kit_names, names)))
    for row in rows:
        sheet.append(xlsx_row(sheet, _cells(row, kit_ids, names)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_pdf(title: str, kit_names: list[str], kit_ids: list[int], rows: list[dict], names: bool) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, initialFontName=FONT, lang=translation.get_language()
    )
    table_rows = [[shaped(cell) for cell in _header(kit_names, names)]]
    table_rows += [[shaped(cell) for cell in _cells(row, kit_ids, names)] for row in rows]
    if right_to_left():
        table_rows = [list(reversed(row)) for row in table_rows]
    table = Table(table_rows, repeatRows=1, rowHeights=[None] + [1.1 * cm] * len(rows))
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT" if right_to_left() else "LEFT"),
            ]
        )
    )
    document.build([paragraph(title, getSampleStyleSheet()["Heading2"], document.width), table])
    return buffer.getvalue()


def may_print(user) -> bool:
    """Programme managers and administrators (can_manage_lists), and the field officers of the distribution."""
    return can_manage_lists(user) or (user.is_authenticated and user.role == Role.FIELD_OFFICER)


@login_required
@require_GET
def sign_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """?site=<id>&format=pdf|xlsx&language=en|fr|ar. Without an approved list: back to the list's page."""
    if not may_print(request.user):
        raise PermissionDenied
    try:
        distribution = visible_field_distributions(request.user).select_related("site").get(pk=pk)
    except Distribution.DoesNotExist:
        raise Http404 from None
    dlist = approved_list(distribution)
    if dlist is None:
        return redirect("lists:detail" if can_manage_lists(request.user) else "distributions:screen", pk=pk)
    fmt = request.GET.get("format", "pdf")
    language = request.GET.get("language", translation.get_language())
    site = visible_sites(request.user).filter(pk=request.GET.get("site") or distribution.site_id).first()
    if fmt not in FORMATS or language not in LANGUAGES or site is None:
        return HttpResponse(_("Choose a site you see, a format (pdf, xlsx) and a language (en, fr, ar)."), status=400)
    names = can_see_personal_data(request.user)
    items = list(distribution.items.select_related("kit_type").order_by("kit_type__code"))
    with translation.override(language):
        kit_names = [item.kit_type.local_name for item in items]
        title = f"{distribution.local_name} · {site.name}"
        build = build_pdf if fmt == "pdf" else build_xlsx
        content = build(title, kit_names, [item.kit_type_id for item in items], sheet_rows(dlist, site), names)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="sign-sheet-{distribution.pk}-{site.code}-{language}.{fmt}"'
    )
    return response

"""Cursor (keyset) pagination: page 10,000 costs what page 1 costs."""

from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 500


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"

    def get_page_size(self, request):
        # Out-of-range sizes are clamped (1..MAX_PAGE_SIZE), never an error or an unbounded page.
        size = super().get_page_size(request)
        return max(1, min(size or self.page_size, self.max_page_size))

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}, at most {MAX_PAGE_SIZE})."
                )
        return parameters


class NewestFirstPagination(KeysetPagination):
    ordering = "-id"


class CodePagination(KeysetPagination):
    ordering = "code"


class PcodePagination(KeysetPagination):
    ordering = "pcode"

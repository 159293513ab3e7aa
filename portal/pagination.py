"""The one page-size rule of every paginated page: ``?per_page`` is one of PAGE_SIZES or ignored.

django-tables2 would take any number (a million rows on one page, or -5 and a server error)."""

from django.core.paginator import Page, Paginator
from django_tables2 import RequestConfig, SingleTableMixin

PAGE_SIZES = (25, 50, 100, 250)


def page_size(requested, *, default: int = PAGE_SIZES[0]) -> int:
    try:
        size = int(requested)
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default


def _page_number(requested) -> int:
    try:
        return max(int(requested), 1)
    except (TypeError, ValueError):
        return 1


def paginator_for(request, items, *, default: int = PAGE_SIZES[0], prefix: str = "",
                  paginator_class: type[Paginator] = Paginator) -> Paginator:
    """A paginator of ``items`` whose pages are ``?{prefix}per_page`` long (from PAGE_SIZES)."""
    return paginator_class(items, page_size(request.GET.get(f"{prefix}per_page"), default=default))


def page_of(request, items, *, prefix: str = "", **options) -> Page:
    """The page ``?{prefix}page`` of ``items``, ``?{prefix}per_page`` long (from PAGE_SIZES)."""
    return paginator_for(request, items, prefix=prefix, **options).get_page(_page_number(request.GET.get(f"{prefix}page")))


class PagedTableMixin(SingleTableMixin):
    """A view's table, paged with a size from PAGE_SIZES (``paginate_by`` when none is asked for); a page
    number below 1 or not a number shows the first page, one past the end the last."""

    paginate_by = PAGE_SIZES[0]
    paginator_class = Paginator  # a view may count differently (the audit log stops at 10,000)

    def get_paginate_by(self, table_data):
        return None  # the table pages; Django's list view must not page the same rows again

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)  # the ordering from ?sort
        # The paginator first: django-tables2 counts a table it knows is paged with one COUNT, and
        # any other by loading every row.
        table.paginator = paginator_for(self.request, table.rows, default=self.paginate_by, prefix=table.prefix,
                                        paginator_class=self.paginator_class)
        table.page = table.paginator.get_page(_page_number(self.request.GET.get(f"{table.prefix}page")))
        return table

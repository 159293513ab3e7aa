"""The one page-size rule of every paginated page: ``?per_page`` is one of PAGE_SIZES or ignored.

django-tables2 would take any number (a million rows on one page, or -5 and a server error).

A list of millions of rows (the audit log) is paged by keyset instead of by page number: see KeysetPage."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Model, QuerySet, Value
from django.db.models.functions import Collate, Concat
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.data import TableQuerysetData

from portal.collation import COLLATION

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


def paginator_for(request, items, *, default: int = PAGE_SIZES[0], prefix: str = "") -> Paginator:
    """A paginator of ``items`` whose pages are ``?{prefix}per_page`` long (from PAGE_SIZES)."""
    return Paginator(items, page_size(request.GET.get(f"{prefix}per_page"), default=default))


def page_of(request, items, *, prefix: str = "", **options) -> Page:
    """The page ``?{prefix}page`` of ``items``, ``?{prefix}per_page`` long (from PAGE_SIZES)."""
    return paginator_for(request, items, prefix=prefix, **options).get_page(_page_number(request.GET.get(f"{prefix}page")))


class KeysFirstData(TableQuerysetData):
    """A deep page (rows 90,000 to 90,025) reads the page's keys first and then its rows: the database
    walks the sort's index to the page without fetching, or joining, the 90,000 rows before it."""

    DEEP = 500  # from this row on; nearer the start one query is cheaper

    def order_by(self, aliases):
        super().order_by(aliases)
        # Rows that tie on the sort (one company, many learners) keep one order from page to page.
        ordering = self.data.query.order_by
        if ordering and not {"pk", "id", "-pk", "-id"} & set(map(str, ordering)):
            # In the direction of the sort, so that one index serves it all (by name, descending:
            # last name, first name, id all descending).
            self.data = self.data.order_by(*ordering, "-pk" if str(ordering[-1]).startswith("-") else "pk")

    def __getitem__(self, key):
        if not isinstance(key, slice) or (key.start or 0) < self.DEEP:
            return super().__getitem__(key)
        keys = list(self.data.values_list("pk", flat=True)[key])
        rows = self.data.order_by().in_bulk(keys)
        return [rows[pk] for pk in keys if pk in rows]


class MatchesFirstData(KeysFirstData):
    """A search's matches, counted up to MATCHES_SHOWN and paged in the list's order.

    The count reads at most MATCHES_SHOWN + 1 rows (a search for "example.org" matches every learner);
    beyond, ``more`` is set and the pages end there. It also tells how to sort. PostgreSQL would rather
    walk the list's order index, testing every learner until a page of matches turns up; that pays off
    when matches are spread out, but a name's matches sit together in a list sorted by name: for "Mulder"
    it tested 70,000 learners (78 ms) to find 10,000 matches the search index finds at once (14 ms to
    sort). So up to MATCHES_SHOWN the first sort key is made one no index serves and the planner sorts
    the matches; beyond, matches are dense and the walk soon finds a page."""

    MATCHES_SHOWN = 20_000
    more = False

    def __len__(self):
        if getattr(self, "_length", None) is None:
            counted = self.data.order_by()[: self.MATCHES_SHOWN + 1].count()
            self.more, self._length = counted > self.MATCHES_SHOWN, min(counted, self.MATCHES_SHOWN)
        return self._length

    def __getitem__(self, key):
        query = self.data.query
        ordering = list(query.order_by or (query.default_ordering and self.data.model._meta.ordering) or ())
        if ordering and isinstance(ordering[0], str) and len(self) and not self.more:
            name, _, transform = ordering[0].lstrip("-").partition("__")
            if isinstance(self.data.model._meta.get_field(name), CharField):
                # The same order (the text with nothing appended), but not an indexed column's.
                unindexed = Concat(name, Value(""), output_field=CharField())
                if transform == COLLATION:
                    unindexed = Collate(unindexed, COLLATION)
                ordering[0] = unindexed.desc() if ordering[0].startswith("-") else unindexed.asc()
                self.data = self.data.order_by(*ordering)
        return super().__getitem__(key)


class PagedTableMixin(SingleTableMixin):
    """A view's table, paged with a size from PAGE_SIZES (``paginate_by`` when none is asked for); a page
    number below 1 or not a number shows the first page, one past the end the last."""

    paginate_by = PAGE_SIZES[0]
    table_data_class = KeysFirstData

    def get_paginate_by(self, table_data):
        return None  # the table pages; Django's list view must not page the same rows again

    def get_table(self, **kwargs):
        data = self.get_table_data()
        table = self.get_table_class()(data=self.table_data_class(data) if TableQuerysetData.validate(data) else data,
                                       **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)  # the ordering from ?sort
        # The paginator first: django-tables2 counts a table it knows is paged with one COUNT, and
        # any other by loading every row.
        table.paginator = paginator_for(self.request, table.rows, default=self.paginate_by, prefix=table.prefix)
        table.page = table.paginator.get_page(_page_number(self.request.GET.get(f"{table.prefix}page")))
        return table


# --- keyset paging ------------------------------------------------------------------------------------
# A cursor names a row by its time (microseconds since 1970) and id: "1764160000123456-98765". Anything
# else, or a number out of range, is no cursor (the newest page).
_CURSOR = re.compile(r"([0-9]{1,16})-([0-9]{1,18})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OLDEST = "0-0"  # before every row: ?newer=0-0 is the oldest page


def cursor_of(moment: datetime, pk: int) -> str:
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}-{pk}"


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    match = _CURSOR.fullmatch(value or "")
    return (_EPOCH + timedelta(microseconds=int(match[1])), int(match[2])) if match else None


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list read newest first by (time, id). ``?older=`` / ``?newer=`` carry the cursor of
    the row the page starts after, so a page deep in a million rows costs one index range scan like the
    first (an OFFSET reads and drops every row before it). ``older`` and ``newer`` are the cursors of the
    neighbouring pages (None: there is none); ``count`` is the number of matching rows up to ``count_cap``."""

    object_list: list
    per_page: int
    newer: str | None
    older: str | None
    count: int
    count_capped: bool
    OLDEST: ClassVar[str] = OLDEST  # for the page's "oldest" link

    @property
    def is_newest(self) -> bool:
        return self.newer is None


def keyset_page(request, items: QuerySet, *, field: str, default: int, count_cap: int) -> KeysetPage:
    """The page of ``items`` that ``?older=`` or ``?newer=`` (or neither: the newest) asks for."""
    size = page_size(request.GET.get("per_page"), default=default)
    older, newer = _cursor(request.GET.get("older")), _cursor(request.GET.get("newer"))
    if newer and not older:
        moment, pk = newer
        # The rows just newer than the cursor, read oldest first and shown newest first.
        rows = list(items.filter(**{f"{field}__gte": moment}).exclude(**{field: moment, "pk__lte": pk})
                    .order_by(field, "pk")[: size + 1])
        more, rows = len(rows) > size, rows[:size][::-1]
        page_newer = _row_cursor(rows[0], field) if more else None
        page_older = _row_cursor(rows[-1], field) if rows and newer != _cursor(OLDEST) else None
    else:
        after = items
        if older:
            moment, pk = older
            # "time <= t" is the index's range; the few rows at exactly t are then cut by id.
            after = items.filter(**{f"{field}__lte": moment}).exclude(**{field: moment, "pk__gte": pk})
        rows = list(after.order_by(f"-{field}", "-pk")[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        page_newer = _row_cursor(rows[0], field) if older and rows else None
        page_older = _row_cursor(rows[-1], field) if more else None
    counted = items.order_by()[: count_cap + 1].count()
    return KeysetPage(rows, size, page_newer, page_older, min(counted, count_cap), counted > count_cap)


def _row_cursor(row: Model, field: str) -> str:
    return cursor_of(getattr(row, field), row.pk)


class KeysetTableMixin(SingleTableMixin):
    """A view's table paged by keyset (see KeysetPage), newest first: no sorting, no page numbers. The
    table's template shows ``table.keyset``'s links (``portal/_keyset_table.html``)."""

    paginate_by = PAGE_SIZES[0]
    keyset_field = "created_at"
    count_cap = 10_000  # counting a million rows costs more than the page

    def get_paginate_by(self, table_data):
        return None

    def get_table(self, **kwargs):
        page = keyset_page(self.request, self.get_table_data(), field=self.keyset_field, default=self.paginate_by,
                           count_cap=self.count_cap)
        table = self.get_table_class()(data=page.object_list, **kwargs)
        table.keyset = page
        return table

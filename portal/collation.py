"""Names sorted as people expect: case and accents aside, "Joël de Graaf" before "Yilmaz" (byte order puts
every capital before every small letter and "É" after "z").

One collation, ``name_sort``, on both databases: on PostgreSQL ICU's root collation (migration
``learner_name_sort`` creates it), on SQLite a Python function each connection registers. A query asks
for it with the ``name_sort`` transform: ``order_by("last_name__name_sort")``."""

import unicodedata
from functools import lru_cache

from django.db.backends.signals import connection_created
from django.db.models import CharField, Transform
from django.db.models.functions import Collate

COLLATION = "name_sort"


@lru_cache(maxsize=8192)  # an index insert compares a name with those on its path down the index
def sort_key(text: str) -> tuple[str, str, str]:
    """Letters first (no accents, no case), then accents, then case (small letters first), as ICU's root
    collation does."""
    folded = text.casefold()
    bare = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return bare, folded, text.swapcase()


def _compare(a: str, b: str) -> int:
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, _compare)


connection_created.connect(_register, dispatch_uid="portal.collation")


@CharField.register_lookup
class NameSort(Transform):
    """``field__name_sort``: the field in the ``name_sort`` collation, for ordering."""

    lookup_name = COLLATION

    def as_sql(self, compiler, connection):
        return compiler.compile(Collate(self.lhs, COLLATION))

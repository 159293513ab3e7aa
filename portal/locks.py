"""Named locks that keep two runs of one piece of work apart: two workers, two beat ticks, a broker
redelivering a message while its first copy still runs.

On PostgreSQL a lock is a session advisory lock: shared by every process on the database and
released by PostgreSQL itself when the process holding it dies, so a killed worker never leaves a
lock behind. Other databases (SQLite: the zero-set-up default, one process) use the cache's atomic
``add``, which holds across processes only with a shared ``CACHE_URL``.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

# A cache lock outlives a process that died holding it by at most this long.
CACHE_LOCK_SECONDS = 6 * 3600


@contextmanager
def lock_hold(name: str, *, wait: float = 0) -> Iterator[bool]:
    """Try to take the lock ``name``, for up to ``wait`` seconds; yields whether it was taken, and
    releases it at the end."""
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while not (taken := _take(name, token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield taken
    finally:
        if taken:
            _release(name, token)


def _take(name: str, token: str) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [name])
            return cursor.fetchone()[0]
    return cache.add(f"portal-lock:{name}", token, CACHE_LOCK_SECONDS)


def _release(name: str, token: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [name])
    elif cache.get(f"portal-lock:{name}") == token:
        cache.delete(f"portal-lock:{name}")


@contextmanager
def slot_hold(name: str, slots: int, *, wait: float, poll: float = 0.5) -> Iterator[bool]:
    """Take one of the ``slots`` locks ``name:0``, ``name:1``, … (so at most ``slots`` holders at once, as widely
    as :func:`lock_hold` reaches), trying again every ``poll`` seconds for up to ``wait``; yields whether one
    was taken, and releases it at the end."""
    deadline = time.monotonic() + wait
    while True:
        for slot in range(slots):
            with lock_hold(f"{name}:{slot}") as taken:
                if taken:
                    yield True
                    return
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(poll)


def lock_free(name: str) -> bool:
    """Whether nobody holds ``name`` now (for a sweep asking whether a job's worker is gone)."""
    with lock_hold(name) as taken:
        return taken


def exclusive(kind: str) -> Callable:
    """Run the decorated periodic work only if no other run of ``kind`` is under way; an overlapping
    run does nothing and says so, as the run under way does the same work."""

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def run(*args, **kwargs):
            with lock_hold(f"periodic:{kind}") as taken:
                if not taken:
                    logger.info("%s is running elsewhere; this run is skipped", kind)
                    return {"skipped": "running elsewhere"}
                return func(*args, **kwargs)

        return run

    return decorate

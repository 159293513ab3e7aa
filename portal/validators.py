"""The character, ID and date rules every input shares: the forms, the CSV import, the admin and what
arrives from aNewSpring. Each rule is a ``*_problem`` function (the message, or None) for code that
collects problems (the import, the catalogue sync) and a ``validate_*`` function raising
ValidationError for forms."""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Refused in any text a person or a remote system gives: control characters (C0 but for tab and line
# breaks, which XML takes and a quoted CSV address may hold; DEL; C1), lone surrogates (no encoding can
# write them), the bidirectional controls that make text read differently from what it holds (U+202E),
# and the non-characters XML 1.0 forbids. Any of them breaks a later SOAP or XML envelope or a log line.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                        "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# Never in an external ID: it travels as a path segment of aNewSpring's API, where "/" or "\" would
# start another segment.
_ID_SEPARATORS = re.compile(r"[/\\]")
_DOT_SEGMENTS = {".", ".."}


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be stored, or None."""
    if match := _FORBIDDEN.search(value):
        return _("contains the invisible or control character U+%(code)04X; remove it") % {
            "code": ord(match[0])}
    return None


def shown(value: str) -> str:
    """``value`` fit to show in a message or log: each forbidden character written as its code."""
    return _FORBIDDEN.sub(lambda match: f"\\u{ord(match[0]):04x}", value)


def validate_text(value: str) -> None:
    if problem := text_problem(value):
        raise ValidationError(problem, code="control_character")


def external_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an external ID (aNewSpring addresses learners, courses and groups by it
    in the URL path), or None. "." and ".." would name the path's parent: a call about learner ".."
    on course X is a call about course X."""
    if not value.strip():
        return _("is empty")
    if value in _DOT_SEGMENTS:
        return _("'%(value)s' cannot be an ID: it names a folder in a web address") % {"value": value}
    if _ID_SEPARATORS.search(value):
        return _("may not contain / or \\")
    return text_problem(value)


def validate_external_id(value: str) -> None:
    if problem := external_id_problem(value):
        raise ValidationError(problem, code="external_id")


# --- dates ------------------------------------------------------------------------------------------
BIRTH = "birth"        # a date of birth: 1900 up to today
PLANNING = "planning"  # start, expiry and end dates of courses, subscriptions and enrolments
DONE = "done"          # when something was done: a completion or score date, not after tomorrow
EARLIEST = {BIRTH: date(1900, 1, 1), PLANNING: date(2000, 1, 1), DONE: date(2000, 1, 1)}
PLANNING_YEARS_AHEAD = 50


def date_bounds(kind: str) -> tuple[date, date]:
    today = timezone.localdate()
    latest = {BIRTH: today, PLANNING: today.replace(year=today.year + PLANNING_YEARS_AHEAD, day=1),
              DONE: today + timedelta(days=1)}[kind]
    return EARLIEST[kind], latest


def date_problem(kind: str, value: date) -> str | None:
    earliest, latest = date_bounds(kind)
    if not earliest <= value <= latest:
        return _("%(value)s lies outside %(earliest)s – %(latest)s") % {
            "value": value.isoformat(), "earliest": earliest.isoformat(), "latest": latest.isoformat()}
    return None


def date_validator(kind: str):
    """A form field validator bounding a date to ``kind``'s range."""
    def validate(value: date) -> None:
        if problem := date_problem(kind, value):
            raise ValidationError(problem, code="date_range")
    return validate


def ascii_digits(value: str) -> bool:
    """Only 0-9: ``str.isdigit()`` also takes "²" and "３", which int() and the remote systems read
    differently or not at all."""
    return value.isascii() and value.isdigit()


# The largest key (or number filtered on) the portal passes to the database: a 30-digit one overflows
# its integers (OverflowError on SQLite, DataError on PostgreSQL: a 500).
MAX_KEY = 10**18 - 1


def as_pk(value) -> int | None:
    """A database key from a query string or form value, or None when it cannot be one ("²", a
    100-digit number) rather than a 500."""
    text = str(value)
    return int(text) if ascii_digits(text) and len(text) <= len(str(MAX_KEY)) else None


def as_pks(values, *, limit: int) -> set[int]:
    """The database keys among the first ``limit`` values (ticked boxes sent along a filter); what cannot be
    one is left out."""
    return {pk for pk in map(as_pk, values[:limit]) if pk is not None}


class TextRulesMixin:
    """For a form: every text it cleans is held to :func:`text_problem`, so no field is forgotten.
    Put it before the form class (``class F(TextRulesMixin, forms.Form)``)."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if name in self.fields and self.fields[name].disabled:
                continue  # shown, not typed: what is stored already
            if isinstance(value, str) and (problem := text_problem(value)):
                self.add_error(name, problem)
        return self.cleaned_data

"""The one rule for text a spreadsheet would run as a formula, shared by the CSV import (which warns
and keeps the text) and the CSV exports (which make it harmless).

A cell is read as a formula when it starts with = or @ (or a tab or carriage return), or with + or -
followed by anything but a number ("+31 6 1234 5678" and "-" stay as they are; "-2+cmd|..." does not).
Dutch Excel splits a line on ";" and others on ",", so a value is looked at piece by piece after
splitting on both: "Ann;=2+2" holds a formula."""

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation

_FORMULA = r"[=@\t\r]|[+-](?=[^,;]*[^0-9\s().\-/,;])"  # 0-9: "+３" is no number to a spreadsheet
_PIECE_START = re.compile(rf"(^|[,;])(\s*)(?={_FORMULA})", re.DOTALL)


def looks_like_formula(text: str) -> bool:
    # The quick answer for most cells (the import asks for each of millions): a formula starts the
    # text or follows a separator.
    if text[:1] not in "=@+-" and not text[:1].isspace() and "," not in text and ";" not in text:
        return False
    return _PIECE_START.search(text) is not None


def spreadsheet_safe(text: str) -> str:
    """The text with an apostrophe before every piece that would start a formula: a spreadsheet shows it as text."""
    return _PIECE_START.sub(r"\1\2'", text)


_PROTECTED = re.compile(rf"(^|[,;])(\s*)'(?={_FORMULA})", re.DOTALL)


def spreadsheet_unprotect(text: str) -> str:
    """The text :func:`spreadsheet_safe` made harmless, as it was: an exported file comes back unchanged."""
    return _PROTECTED.sub(r"\1\2", text) if "'" in text else text


class _Echo:
    """A file that hands back what is written to it: csv.writer then formats one line at a time."""

    def write(self, value):
        return value


# What Excel splits a line on: "," in English, ";" in Dutch (where "," is the decimal comma).
SEPARATORS = (",", ";")


def export_separator(request) -> str:
    """The separator the export page's choice asks for (``?separator=``), else the one the reader's
    language uses in Excel (settings.CSV_EXPORT_SEPARATORS)."""
    asked = request.GET.get("separator")
    if asked in SEPARATORS:
        return asked
    return settings.CSV_EXPORT_SEPARATORS.get(translation.get_language(), SEPARATORS[0])


def _export_cell(value):
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):  # a spreadsheet reads "2026-12-07 14:05:09", not "+00:00" and microseconds
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(str(value))


def choice_labels(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    """A field's choices as {code: label} in the active language: looked up once for a whole export."""
    return {code: str(label) for code, label in choices}


def changes_text(changes: Mapping[str, Mapping], label: Callable[[str], str] = str) -> str:
    """An audit event's ``{field: {"before": x, "after": y}}`` as a reader would write it:
    "Address: — → Dorpsstraat 1; City: Utrecht → Zeist" (``label`` names a field)."""
    def shown(value):
        return "—" if value is None or value == "" else str(value)

    return "; ".join(f"{label(name)}: {shown(change.get('before'))} → {shown(change.get('after'))}"
                     if isinstance(change, Mapping) else f"{label(name)}: {shown(change)}"
                     for name, change in changes.items())


def csv_export_lines(*, header: Sequence[str], rows: Iterable[Sequence],
                     separator: str = SEPARATORS[0]) -> Iterator[str]:
    """CSV lines for Excel, one at a time (an export of millions of rows streams in bounded memory):
    UTF-8 with BOM, cells split by ``separator``, every text cell quoted and formula-safe.

    The lines are written while the response streams, after the view has returned: the reader's
    language is kept for the headers and the labels (translated lazily) the rows hold."""
    writer = csv.writer(_Echo(), delimiter=separator, quoting=csv.QUOTE_STRINGS)
    language = translation.get_language()

    def lines():
        with translation.override(language):
            yield "\ufeff" + writer.writerow([str(name) for name in header])
            for row in rows:
                yield writer.writerow([_export_cell(value) for value in row])

    return lines()

"""The one rule for text a spreadsheet would run as a formula, shared by the CSV import (which warns
and keeps the text) and the CSV exports (which make it harmless).

A cell is read as a formula when it starts with = or @ (or a tab or carriage return), or with + or -
followed by anything but a number ("+31 6 1234 5678" and "-" stay as they are; "-2+cmd|..." does not).
Dutch Excel splits a line on ";" and others on ",", so a value is looked at piece by piece after
splitting on both: "Ann;=2+2" holds a formula."""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence

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


class _Echo:
    """A file that hands back what is written to it: csv.writer then formats one line at a time."""

    def write(self, value):
        return value


def _export_cell(value):
    if value is None or isinstance(value, int):
        return value
    return spreadsheet_safe(str(value))


def csv_export_lines(*, header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines for Excel, one at a time (an export of millions of rows streams in bounded memory):
    UTF-8 with BOM, every text cell quoted and formula-safe."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_STRINGS)
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_export_cell(value) for value in row])

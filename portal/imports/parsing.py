"""Reading the CSV files coordinators make for aNewSpring's own user import.

Pure: bytes in; recognised columns and validated rows out; no database. A file either fails
as a whole with one clear message (:class:`ImportFileError`) or gives one :class:`ParsedRow`
per learner row, with its cell errors and warnings. The file is read three times, each time a
piece at a time (never whole, neither as bytes nor as text): the first pass decodes it (its
encoding, and binary data anywhere), the second checks its shape and finds values used on more
than one row, the third validates row by row. What the check holds does not grow with the file
but for 12 bytes per value that must be unique; a row too long or with too many cells is
refused as soon as it is read.
"""

import codecs
import csv
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.models import Learner
from portal.pe_numbers import parse_custom1
from portal.spreadsheet import looks_like_formula, spreadsheet_unprotect
from portal.validators import BIRTH, date_problem, external_id_problem, text_problem

# aNewSpring's user-import columns -> Learner field; None: known, but not kept by the portal.
COLUMNS: dict[str, str | None] = {
    "Gender": "gender", "Title": "title", "ExternalID": "external_id", "FirstName": "first_name",
    "MiddleName": "middle_name", "LastName": "last_name", "Login": "login", "Password": None,
    "ForcePasswordChange": None, "Renewable": None, "Email": "email", "Initials": "initials",
    "Function": "function", "Company": "company", "DateOfBirth": "date_of_birth",
    "TelephoneNumber": "telephone_number", "CellPhoneNumber": "cell_phone_number", "Address": "address",
    "Zip": "zip", "Residence": "residence", "Country": "country", "Custom1": "custom1",
}
# The last column of the download of the rows with errors: ignored, without a warning, when that file comes back.
ERRORS_COLUMN = "Errors"
# Values that must be unique within one file; Login and Email compare case-insensitively.
UNIQUE_COLUMNS = ("ExternalID", "Login", "Email")

_MAX_LENGTH = {f: Learner._meta.get_field(f).max_length for f in COLUMNS.values() if f and f != "date_of_birth"}
_COLUMN_BY_KEY = {name.casefold(): name for name in COLUMNS}
_IGNORED_IN_NAMES = re.compile(r"[\s_-]+")
# A line with its ending (\r\n, \r or \n, as ``newline=""`` splits them), or the last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)  # Excel's hint line naming the separator
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})", re.ASCII)  # what Dutch Excel writes
_MAX_ROWS_NAMED = 5
# aNewSpring knows 22 columns; a first row naming more than this is read up to here.
MAX_COLUMNS = 100
# A row with more cells is refused: a spreadsheet has at most 16,384 columns.
MAX_CELLS = 16_384
# A row (with its quoted line breaks) longer than this is refused while it is read, before its cells
# exist: above the csv module's 131,072 characters for one cell, far above a learner's row.
MAX_ROW_CHARS = 256 * 1024
# The file is read a piece of this many bytes at a time.
PIECE_SIZE = 1024 * 1024
# Opens the file (again) as its pieces of bytes, in order: each pass reads it anew.
Pieces = Callable[[], Iterable[bytes]]
_MAX_NAMES_LISTED = 5


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says why, for the coordinator."""


class _RowTooLong(Exception):
    """A row over MAX_ROW_CHARS, found while reading it (where its number is not known yet)."""


@dataclass(slots=True)
class ParsedRow:
    line: int
    values: dict[str, str] = field(default_factory=dict)  # Learner field -> cleaned text
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    pe_numbers: list[list] = field(default_factory=list)  # the valid Custom1's numbers: [[org_id, number], ...]

    def error(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})

    def warn(self, column: str, message: str) -> None:
        self.warnings.append({"column": column, "message": message})


@dataclass(slots=True)
class Holders:
    """The rows holding one value: the first few of them (all a message names) and how many there are."""

    first: list[int] = field(default_factory=list)
    count: int = 0

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first) <= _MAX_ROWS_NAMED:
            self.first.append(line)


@dataclass
class ParsedFile:
    pieces: Pieces = field(repr=False)
    codec: str
    encoding: str
    delimiter: str
    header_line: int
    positions: dict[int, str]  # cell index -> recognised column
    warnings: list[str]
    row_count: int
    duplicates: dict[str, dict[int, Holders]]  # column -> key -> rows holding it, for keys on two rows or more
    default_org_id: int | None

    @property
    def columns(self) -> list[str]:
        return list(self.positions.values())

    def rows(self) -> Iterator[ParsedRow]:
        for line, cells in _records(_lines(_texts(self.pieces(), self.codec)), self.delimiter):
            if line > self.header_line:
                yield self._row(line, cells)

    def _row(self, line: int, cells: list[str]) -> ParsedRow:
        row = ParsedRow(line)
        for index, column in self.positions.items():
            name = COLUMNS[column]
            value = _cell(cells, index)
            if value and name:
                row.values[name] = _clean_cell(row, column, name, value, self.default_org_id)
        for column in ("FirstName", "LastName"):
            if not row.values.get(COLUMNS[column]):
                row.error(column, _("is required: fill it in."))
        if not row.values.get("external_id") and not row.values.get("login"):
            row.error("Login", _("Login and ExternalID are both empty; fill in at least one."))
        for column, keys in self.duplicates.items():
            value = row.values.get(COLUMNS[column])
            holders = keys.get(_unique_key(column, value)) if value else None
            if holders:
                others = [n for n in holders.first if n != line][:_MAX_ROWS_NAMED]
                shown = ", ".join(str(n) for n in others)
                shown += "…" if holders.count - 1 > len(others) else ""
                row.error(column, _("'%(value)s' is also on row %(rows)s; each learner may appear only once: "
                                    "remove the other rows, or give each learner a value of their own.")
                          % {"value": value, "rows": shown})
        return row


def check_size(size: int, *, max_bytes: int) -> None:
    if size > max_bytes:
        raise ImportFileError(_("The file is %(size)s, %(over)s over the limit of %(limit)s.")
                              % {"size": filesizeformat(size), "over": filesizeformat(size - max_bytes),
                                 "limit": filesizeformat(max_bytes)})


def parse_file(data: bytes, *, max_bytes: int, max_rows: int, default_org_id: int | None) -> ParsedFile:
    """:func:`parse_pieces` of a file in memory (its pieces are views, not copies)."""
    view = memoryview(data)
    return parse_pieces(lambda: (view[start:start + PIECE_SIZE] for start in range(0, len(view), PIECE_SIZE)),
                        size=len(data), max_bytes=max_bytes, max_rows=max_rows, default_org_id=default_org_id)


def parse_pieces(pieces: Pieces, *, size: int, max_bytes: int, max_rows: int,
                 default_org_id: int | None) -> ParsedFile:
    """Check the file of ``size`` bytes that ``pieces`` reads; its rows are then read with ``rows()``."""
    check_size(size, max_bytes=max_bytes)
    _check_kind(_head(pieces(), 4))
    # UTF-8 unless a byte is not UTF-8, wherever it is; decoded first, so that binary data anywhere refuses
    # the file before its rows are read, as does a file read whole.
    for codec, encoding in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            for text in _texts(pieces(), codec):
                if _BINARY.search(text):
                    raise _binary_error()
        except UnicodeDecodeError:
            continue
        return _survey_file(pieces, codec, encoding, max_rows, default_org_id)
    raise _binary_error()


def text_decode(data: bytes) -> tuple[str, str]:
    """A small file's text and encoding name, refused as the learner import refuses (the events import reads
    files of at most a few hundred KB whole)."""
    _check_kind(data[:4])
    for codec, encoding in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _BINARY.search(text):
            break
        return text, encoding
    raise _binary_error()


def text_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The non-empty records of a text read whole, with their row numbers (see :func:`_records`)."""
    return _records(_lines([text]), delimiter)


def _survey_file(pieces: Pieces, codec: str, encoding: str, max_rows: int, default_org_id: int | None) -> ParsedFile:
    lines = _lines(_texts(pieces(), codec))
    blank_lines = 0
    try:
        for first_line in lines:  # the separator is guessed from the first line that is not blank
            if first_line.strip("\r\n"):
                break
            blank_lines += 1
        else:
            raise ImportFileError(_("The file is empty."))
    except _RowTooLong:
        raise _row_too_long(blank_lines + 1) from None
    delimiter, has_sep_line = _detect_delimiter(first_line.rstrip("\r\n"))
    records = _records(chain([first_line], lines), delimiter, start=blank_lines + 1)
    if has_sep_line:
        next(records, None)
    header_line, header = next(records, (0, None))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    positions, warnings = _read_header(header)

    row_count, duplicates, passwords_given = _survey(records, positions, len(header), delimiter, max_rows)
    if not row_count:
        raise ImportFileError(_("The file has a header row but no learners."))
    if passwords_given:
        warnings.append(_("The passwords in the file are ignored: the portal never stores passwords."))
    return ParsedFile(pieces=pieces, codec=codec, encoding=encoding, delimiter=delimiter, header_line=header_line,
                      positions=positions, warnings=warnings, row_count=row_count, duplicates=duplicates,
                      default_org_id=default_org_id)


def _head(pieces: Iterable[bytes], size: int) -> bytes:
    """The file's first ``size`` bytes, whatever the pieces."""
    head = b""
    for piece in pieces:
        head += bytes(piece[:size - len(head)])
        if len(head) == size:
            break
    return head


def _check_kind(head: bytes) -> None:
    """Refuse, by their first bytes, the files that are no CSV text in one of the two encodings read."""
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(_("This is an Excel workbook, not a CSV file. In Excel, choose Save As › "
                                "'CSV UTF-8 (comma delimited)' and upload that file."))
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise ImportFileError(_("The file is saved as UTF-32. Save it as 'CSV UTF-8 (comma delimited)' and "
                                "upload that file."))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("The file is saved as UTF-16 ('Unicode text'). Save it as "
                                "'CSV UTF-8 (comma delimited)' and upload that file."))


def _binary_error() -> ImportFileError:
    return ImportFileError(_("This is not a CSV file: it holds binary data. Upload the learners as a CSV file "
                             "saved from Excel or another spreadsheet program."))


def _texts(pieces: Iterable[bytes], codec: str) -> Iterator[str]:
    """The file's text a piece at a time."""
    decoder = codecs.getincrementaldecoder(codec)()
    for piece in pieces:
        yield decoder.decode(piece)
    yield decoder.decode(b"", True)  # an unfinished character at the end is an error


def _lines(texts: Iterable[str]) -> Iterator[str]:
    """The text's lines with their endings, whatever piece they start and end in."""
    rest = ""
    for text in texts:
        text = rest + text
        # The last line may go on in the next piece (a last \r too: its \n may follow).
        end = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
        yield from map(itemgetter(0), _LINE.finditer(text, 0, end))
        rest = text[end:]
        if len(rest) > MAX_ROW_CHARS:
            raise _RowTooLong
    if rest:
        yield rest


def _detect_delimiter(first_line: str) -> tuple[str, bool]:
    if match := _SEP_LINE.fullmatch(first_line.strip()):
        return match[1], True
    return (";" if first_line.count(";") > first_line.count(",") else ","), False


def _records(lines: Iterable[str], delimiter: str, start: int = 1) -> Iterator[tuple[int, list[str]]]:
    """Non-empty records with their row number (as a spreadsheet counts them: the first row is 1)."""
    row_chars = 0

    def counted(lines: Iterable[str]) -> Iterator[str]:
        # A row's lines are counted as the csv module takes them, so that a row too long is refused before
        # its cells are made (a row of millions of empty cells would take gigabytes).
        nonlocal row_chars
        for text in lines:
            row_chars += len(text)
            if row_chars > MAX_ROW_CHARS:
                raise _RowTooLong
            yield text

    reader = csv.reader(counted(lines), delimiter=delimiter, strict=True)
    line = start - 1
    try:
        for line, cells in enumerate(reader, start=start):
            row_chars = 0
            if len(cells) > MAX_CELLS:
                raise ImportFileError(_("Row %(row)d has %(cells)s cells; a row may have at most %(max)s, as many as "
                                        "a spreadsheet has columns.")
                                      % {"row": line, "cells": _number(len(cells)), "max": _number(MAX_CELLS)})
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as exc:
        raise ImportFileError(_("Row %(row)d is not valid CSV (%(error)s). Check the quotes (\") in that row.")
                              % {"row": line + 1, "error": exc}) from exc
    except _RowTooLong:
        raise _row_too_long(line + 1) from None


def _row_too_long(row: int) -> ImportFileError:
    return ImportFileError(_("Row %(row)d is longer than %(max)s characters, far longer than a learner's row. "
                             "Check the quotes (\") in that row, and the line ends.")
                           % {"row": row, "max": _number(MAX_ROW_CHARS)})


def _read_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    positions: dict[int, str] = {}
    warnings: list[str] = []
    unknown: list[str] = []
    if len(header) > MAX_COLUMNS:
        warnings.append(_("The first row names %(count)d columns; only the first %(max)d are read.")
                        % {"count": len(header), "max": MAX_COLUMNS})
    for index, name in enumerate(header[:MAX_COLUMNS]):
        key = _IGNORED_IN_NAMES.sub("", name).casefold()
        if not key or key == ERRORS_COLUMN.casefold():
            continue
        column = _COLUMN_BY_KEY.get(key)
        if column is None:
            unknown.append(name.strip())
        elif column in positions.values():
            raise ImportFileError(_("The column %(column)s appears twice in the first row.") % {"column": column})
        else:
            positions[index] = column
    if unknown:
        warnings.append(_unknown_columns_warning(unknown))
    present = set(positions.values())
    missing = [column for column in ("FirstName", "LastName") if column not in present]
    if not present & {"Login", "ExternalID"}:
        missing.append(_("Login or ExternalID"))
    if missing:
        raise ImportFileError(
            _("Required columns missing: %(columns)s. The first row must name the columns, as in "
              "aNewSpring's user import (FirstName, LastName, Login, …).") % {"columns": ", ".join(missing)})
    return positions, warnings


def _unknown_columns_warning(names: list[str]) -> str:
    """One warning for all unknown columns, naming the first few: a file of 100,000 columns gets one line."""
    listed = ", ".join(f"'{name}'" for name in names[:_MAX_NAMES_LISTED])
    if len(names) == 1:
        return _("Unknown column %(names)s is ignored.") % {"names": listed}
    if len(names) > _MAX_NAMES_LISTED:
        return (_("Unknown columns %(names)s and %(more)d more are ignored.")
                % {"names": listed, "more": len(names) - _MAX_NAMES_LISTED})
    return _("Unknown columns %(names)s are ignored.") % {"names": listed}


def _survey(records: Iterator[tuple[int, list[str]]], positions: dict[int, str], width: int,
            delimiter: str, max_rows: int) -> tuple[int, dict[str, dict[int, Holders]], bool]:
    """The second pass: checks the shape of every row, counts them and finds the values used on more
    than one row (keeping only those, and only the first few rows of each: linear in the rows)."""
    index_of = {column: index for index, column in positions.items()}
    # Per column that must be unique, each value's key and row in two arrays: 12 bytes a value, where a
    # dict of the values took some 150.
    seen = {column: (array("q"), array("L")) for column in UNIQUE_COLUMNS if column in index_of}
    row_count, passwords_given = 0, False
    for line, cells in records:
        # Trailing empty cells (a stray separator at the end of a line) are harmless.
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise ImportFileError(
                _("Row %(row)d has %(cells)d cells, but the first row names only %(columns)d columns. "
                  "Is there a separator (%(sep)s) in a value that is not between quotes?")
                % {"row": line, "cells": len(cells), "columns": width, "sep": delimiter})
        row_count += 1
        if row_count > max_rows:
            raise ImportFileError(
                _("The file has more than %(max)s learner rows, the most one import takes. Split it into "
                  "files of at most %(max)s rows and import them one after the other.") % {"max": _number(max_rows)})
        passwords_given = passwords_given or _cell(cells, index_of.get("Password")) != ""
        for column, (keys, lines) in seen.items():
            if value := _cell(cells, index_of[column]):
                keys.append(_unique_key(column, value))
                lines.append(line)
    return row_count, {column: _duplicates(*seen.pop(column)) for column in list(seen)}, passwords_given


def _duplicates(keys: array, lines: array) -> dict[int, Holders]:
    """The keys on more than one row, with their rows."""
    once, repeated = set(), set()
    for key in keys:
        (repeated if key in once else once).add(key)
    del once
    holders = {key: Holders() for key in repeated}
    for key, line in zip(keys, lines):
        if (held := holders.get(key)) is not None:
            held.add(line)
    return holders


def _number(count: int) -> str:
    """A count with thousands separators as the coordinator's language writes them (Dutch: 16.384)."""
    return number_format(count, force_grouping=True)


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _unique_key(column: str, value: str) -> int:
    """The value's 64-bit hash, keyed per process (unless PYTHONHASHSEED fixes the key), so that no file can
    aim at a collision; one (odds of about one in 10^9 for a file of 200,000 rows) would show two different
    values as a duplicate. Both passes run in one process."""
    return hash(value if column == "ExternalID" else value.casefold())


def _clean_cell(row: ParsedRow, column: str, name: str, value: str, default_org_id: int | None) -> str:
    """The value to keep; problems go to the row. A cell in error keeps its text, for the preview."""
    value = spreadsheet_unprotect(value)  # the download of the rows with errors, corrected and uploaded again
    if looks_like_formula(value):
        row.warn(column, _("'%(value)s' looks like a spreadsheet formula; it is kept as plain text.")
                 % {"value": value})
    if problem := external_id_problem(value) if name == "external_id" else text_problem(value):
        row.error(column, problem)
    if name == "date_of_birth":
        parsed = _parse_date(value)
        if parsed is None:
            row.error(column, _("'%(value)s' is not a date: write it as yyyy-mm-dd or dd-mm-yyyy, "
                                "e.g. 1980-03-15 or 15-03-1980.") % {"value": value})
            return value
        if problem := date_problem(BIRTH, parsed):
            row.error(column, problem)
        return parsed.isoformat()
    if name == "email":
        try:
            validate_email(value)
        except ValidationError:
            row.error(column, _("'%(value)s' is not a valid e-mail address") % {"value": value})
    elif name == "custom1":
        parsed = parse_custom1(value, default_org_id=default_org_id)
        for message in parsed.errors:
            row.error(column, message)
        for message in parsed.warnings:
            row.warn(column, message)
        if not parsed.errors:
            value = parsed.normalized
            row.pe_numbers = [[n.org_id, n.number] for n in parsed.numbers]
    if len(value) > _MAX_LENGTH[name]:
        row.error(column, _("is %(length)d characters long; at most %(max)d fit")
                  % {"length": len(value), "max": _MAX_LENGTH[name]})
    return value


def _parse_date(text: str) -> date | None:
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None

"""Properties of the CSV parser under hostile input: whatever the bytes, it either refuses the file with
its own message (ImportFileError) or gives rows whose values can be stored; read in any pieces, it says
the same."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.imports.parsing import COLUMNS, ImportFileError, ParsedRow, parse_pieces

MAX_BYTES, MAX_ROWS = 2 * 1024 * 1024, 50
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.data_too_large])

NASTY = [
    "\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\u200b", "\u202e",
    "\ud800", "\udfff", "🙂", "e\u0301", "ß", "İ", "ﬀ",  # a NUL, control characters, lone surrogates, case folds
    "٣", "١٩٨٠-٠٣-١٥", "𝟏𝟗𝟖𝟎-01-01", "１９", "19/٣٩٠٥٤١٤٨١٠١", "²", "Ⅻ",  # digits that are not ASCII
    "..", "../../etc/passwd", "..\\..\\boot.ini", "./.", "/./../", "%2e%2e%2f",  # dot segments
    '"', '""', '"a"b', "'", "sep=;", "sep=", ",", ";", "\t", "|", "\r", "\n", "\r\n", "\n\r",  # quotes, separators
    "=cmd|' /C calc'!A0", "@SUM(A1)", "+1", "-1", "0000-00-00", "31-02-1980", "9999-99-99", "99999999-1-1",
    "a@b", "a@[::1]", "x" * 300, "1" * 40, "19/" + "9" * 30, "0/0", "-19/1",
]
cells = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20),  # any character but surrogates
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Zl", "Zp", "Nd", "Cf"]), max_size=8),
    st.lists(st.sampled_from(NASTY), max_size=4).map("".join),
    st.integers(min_value=100_000, max_value=300_000).map(lambda n: "x" * n),  # huge values
)
column_names = st.one_of(st.sampled_from(list(COLUMNS)), st.sampled_from([" first_name ", "E-MAIL", "login"]), cells)
separators = st.sampled_from([",", ";", "\t", "|", " ", '"', "\x00", ";;", ",;"])
line_ends = st.sampled_from(["\r\n", "\n", "\r", "\n\r", "\u2028", "\r\r\n", ""])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-32", "latin-1", "surrogate"])


def quoted(cell: str, how: int) -> str:
    """A cell as a spreadsheet writes it, or as a hand-made file does: raw, quoted, or quoted badly."""
    return [cell, '"' + cell.replace('"', '""') + '"', '"' + cell, cell + '"'][how]


@st.composite
def csv_files(draw) -> bytes:
    separator, line_end = draw(separators), draw(line_ends)
    header = draw(st.lists(column_names, max_size=25))
    rows = draw(st.lists(st.lists(st.tuples(cells, st.integers(0, 3)), max_size=25), max_size=8))
    lines = [separator.join(header)] + [separator.join(quoted(cell, how) for cell, how in row) for row in rows]
    text = draw(st.sampled_from(["", "sep=;" + line_end, "sep=|" + line_end, line_end * 3])) + line_end.join(lines)
    text += draw(st.sampled_from(["", line_end]))
    encoding = draw(encodings)
    if encoding == "surrogate":
        return text.encode("utf-8", "surrogatepass")
    return text.encode(encoding, "replace" if encoding in ("cp1252", "latin-1") else "surrogatepass")


def whole(data: bytes):
    return lambda: [data] if data else []


def in_pieces(data: bytes, size: int):
    return lambda: (data[start:start + size] for start in range(0, len(data), size))


def outcome(pieces, size: int, default_org_id: int | None = None):
    """The file's rows, or its one message; anything else raised fails the property."""
    try:
        parsed = parse_pieces(pieces, size=size, max_bytes=MAX_BYTES, max_rows=MAX_ROWS,
                              default_org_id=default_org_id)
        return parsed, list(parsed.rows())
    except ImportFileError as exc:
        assert str(exc).strip()
        return str(exc), []


def assert_storable(rows: list[ParsedRow]) -> None:
    for row in rows:
        assert isinstance(row.line, int) and row.line >= 2
        assert all(isinstance(name, str) and isinstance(value, str) and value for name, value in row.values.items())
        assert "password" not in row.values
        # Stored as JSON in the database (PostgreSQL refuses a NUL and text that is not UTF-8).
        stored = json.dumps([row.values, row.errors, row.warnings, row.pe_numbers], ensure_ascii=False)
        assert "\x00" not in stored and "\\u0000" not in stored
        stored.encode("utf-8")
        assert all(set(problem) == {"column", "message"} and problem["message"]
                   for problem in row.errors + row.warnings)


@PROPERTIES
@given(data=csv_files(), default_org_id=st.sampled_from([None, 19]))
def test_a_hostile_file_is_refused_with_its_message_or_read_into_storable_rows(data, default_org_id):
    _parsed, rows = outcome(whole(data), len(data), default_org_id)
    assert_storable(rows)


@PROPERTIES
@given(data=st.binary(max_size=2000))
def test_any_bytes_are_refused_with_a_message_or_read(data):
    _parsed, rows = outcome(whole(data), len(data))
    assert_storable(rows)


@PROPERTIES
@given(data=csv_files(), size=st.integers(min_value=1, max_value=64))
def test_the_pieces_a_file_is_read_in_change_nothing(data, size):
    """A line end or a character split over two pieces reads as in one piece, refusals included."""
    if len(data) // size > 20_000:  # a huge value in one-byte pieces: slow, and no different
        size = len(data) // 20_000 + 1
    expected, expected_rows = outcome(whole(data), len(data))
    parsed, rows = outcome(in_pieces(data, size), len(data))
    if isinstance(expected, str):
        assert parsed == expected
    else:
        assert (parsed.encoding, parsed.delimiter, parsed.columns, parsed.warnings, parsed.row_count) == (
            expected.encoding, expected.delimiter, expected.columns, expected.warnings, expected.row_count)
        assert [(r.line, r.values, r.errors, r.warnings) for r in rows] == [
            (r.line, r.values, r.errors, r.warnings) for r in expected_rows]


@st.composite
def learner_files(draw) -> bytes:
    """Files whose first row names the columns, so that hostile cells reach the row checks."""
    separator, line_end = draw(st.sampled_from([",", ";"])), draw(st.sampled_from(["\r\n", "\n", "\r"]))
    header = ["FirstName", "LastName", "Login", *draw(st.lists(st.sampled_from(list(COLUMNS)), unique=True))]
    header = list(dict.fromkeys(header))
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), min_size=1, max_size=6))
    lines = [separator.join(header)] + [separator.join(quoted(cell, 1) for cell in row) for row in rows]
    return line_end.join(lines).encode("utf-8", "surrogatepass")


@PROPERTIES
@given(data=learner_files(), default_org_id=st.sampled_from([None, 19]))
def test_hostile_cells_give_row_problems_not_exceptions(data, default_org_id):
    _parsed, rows = outcome(whole(data), len(data), default_org_id)
    assert_storable(rows)

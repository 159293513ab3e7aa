"""Every file of the corpus (made by make_corpus.py) against the message it must give."""

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.imports.parsing import MAX_COLUMNS, ImportFileError, check_size, parse_file, parse_pieces
from portal.spreadsheet import spreadsheet_safe, spreadsheet_unprotect

CORPUS = Path(__file__).parent / "corpus"
LIMIT = 10 * 1024 * 1024
MAX_ROWS = 200_000

EXCEL_ADVICE = ("This is an Excel workbook, not a CSV file. In Excel, choose Save As › 'CSV UTF-8 (comma delimited)' "
                "and upload that file.")
BINARY = ("This is not a CSV file: it holds binary data. Upload the learners as a CSV file saved from Excel or "
          "another spreadsheet program.")
ONCE = "; each learner may appear only once: remove the other rows, or give each learner a value of their own."
WRITE_DATES = "write it as yyyy-mm-dd or dd-mm-yyyy, e.g. 1980-03-15 or 15-03-1980."
MISSING = ("Required columns missing: {}. The first row must name the columns, as in aNewSpring's user import "
           "(FirstName, LastName, Login, …).")

# File -> the one message that refuses it as a whole.
FILE_ERRORS = {
    "bad_empty.csv": "The file is empty.",
    "bad_blank_lines_only.csv": "The file is empty.",
    "bad_bom_only.csv": "The file is empty.",
    "bad_header_only.csv": "The file has a header row but no learners.",
    "bad_xlsx.xlsx": EXCEL_ADVICE,
    "bad_xls.xls": EXCEL_ADVICE,
    "bad_binary.bin": BINARY,
    "bad_png.csv": BINARY,
    "bad_utf16.csv": "The file is saved as UTF-16 ('Unicode text'). Save it as 'CSV UTF-8 (comma delimited)' and "
                     "upload that file.",
    "bad_missing_last_name.csv": MISSING.format("LastName"),
    "bad_missing_login_and_external_id.csv": MISSING.format("Login or ExternalID"),
    "bad_tab_separated.csv": MISSING.format("FirstName, LastName, Login or ExternalID"),
    "bad_html.csv": MISSING.format("FirstName, LastName, Login or ExternalID"),
    "bad_duplicate_column.csv": "The column Email appears twice in the first row.",
    "bad_too_many_cells.csv": "Row 3 has 4 cells, but the first row names only 3 columns. Is there a separator (,) "
                              "in a value that is not between quotes?",
    "bad_unterminated_quote.csv": 'Row 2 is not valid CSV (unexpected end of data). Check the quotes (") in that row.',
    "bad_huge_field.csv": 'Row 2 is not valid CSV (field larger than field limit (131072)). Check the quotes (") '
                          "in that row.",
    "bad_utf32.csv": "The file is saved as UTF-32. Save it as 'CSV UTF-8 (comma delimited)' and upload that file.",
    "bad_over_size_limit.csv": "The file is 2.6\xa0KB, 1.6\xa0KB over the limit of 1.0\xa0KB.",
}
SMALL_LIMIT_FILES = {"bad_over_size_limit.csv": 1024}

# File -> the problems it must report, exactly (rows are numbered as a spreadsheet does: header = 1).
PROBLEMS = {
    "err_bad_date.csv": ["row 17, DateOfBirth: '31-02-1980' is not a date: " + WRITE_DATES],
    "err_bad_date_format.csv": ["row 2, DateOfBirth: '1980/03/15' is not a date: " + WRITE_DATES],
    "err_bad_email.csv": ["row 2, Email: 'jan@' is not a valid e-mail address"],
    "err_duplicate_external_id.csv": [
        "row 2, ExternalID: 'E001' is also on row 3" + ONCE,
        "row 3, ExternalID: 'E001' is also on row 2" + ONCE,
    ],
    "err_duplicate_login.csv": [
        "row 2, Login: 'jdevries' is also on row 3" + ONCE,
        "row 3, Login: 'JdeVries' is also on row 2" + ONCE,
    ],
    "err_duplicate_email.csv": [
        "row 2, Email: 'jan@example.org' is also on row 3" + ONCE,
        "row 3, Email: 'Jan@Example.org' is also on row 2" + ONCE,
    ],
    "err_missing_first_name.csv": ["row 2, FirstName: is required: fill it in."],
    "err_no_login_no_external_id.csv": ["row 2, Login: Login and ExternalID are both empty; fill in at least one."],
    "err_custom1_bad.csv": ["row 2, Custom1: '19/abc' is not OrgID/number (for example 19/39054148101)."],
    "err_long_value.csv": ["row 2, FirstName: is 300 characters long; at most 100 fit"],
    "warn_unknown_columns.csv": ["Unknown column 'Nickname' is ignored."],
    "warn_many_unknown_columns.csv": ["Unknown columns 'A', 'B', 'C', 'D', 'E' and 2 more are ignored."],
    "warn_password_column.csv": ["The passwords in the file are ignored: the portal never stores passwords."],
    "warn_big_check_digit.csv": [
        "row 2, Custom1: 19/12345678901: the BIG number's check digit does not match; please check it. (warning)",
    ],
    "warn_formula_cells.csv": [
        "row 2, Function: '=HYPERLINK(\"http://evil.example\",\"klik\")' looks like a spreadsheet formula; "
        "it is kept as plain text. (warning)",
        "row 2, Company: '@SUM(A1:A9)' looks like a spreadsheet formula; it is kept as plain text. (warning)",
        "row 3, Function: '+cmd|' /C calc'!A0' looks like a spreadsheet formula; it is kept as plain text. (warning)",
    ],
}


def parse(name: str, default_org_id: int | None = None):
    return parse_file((CORPUS / name).read_bytes(), max_bytes=SMALL_LIMIT_FILES.get(name, LIMIT),
                      max_rows=MAX_ROWS, default_org_id=default_org_id)


def problems(parsed) -> list[str]:
    found = list(parsed.warnings)
    for row in parsed.rows():
        found += [f"row {row.line}, {p['column']}: {p['message']}" for p in row.errors]
        found += [f"row {row.line}, {p['column']}: {p['message']} (warning)" for p in row.warnings]
    return found


def rows(name: str) -> list[dict]:
    return [row.values for row in parse(name).rows()]


def test_the_corpus_is_large_and_every_file_has_an_expectation():
    names = {path.name for path in CORPUS.iterdir()}
    assert len(names) >= 30
    assert names == set(FILE_ERRORS) | set(PROBLEMS) | {name for name in names if name.startswith("ok_")}


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_bad_files_are_refused_with_one_clear_message(name):
    with pytest.raises(ImportFileError) as refused:
        parse(name)
    assert str(refused.value) == FILE_ERRORS[name]


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_rows_report_the_exact_cell_and_reason(name):
    assert problems(parse(name)) == PROBLEMS[name]


@pytest.mark.parametrize("name", sorted(path.name for path in CORPUS.glob("ok_*")))
def test_awkward_but_good_files_read_without_problems(name):
    parsed = parse(name)
    assert problems(parsed) == []
    assert parsed.row_count == len(list(parsed.rows())) >= 1
    assert all(row["first_name"] and row["last_name"] for row in rows(name))


@pytest.mark.parametrize("name", ["ok_utf8.csv", "ok_utf8_bom.csv", "ok_semicolon.csv", "ok_crlf.csv",
                                  "ok_cr_only.csv", "ok_empty_lines.csv", "ok_excel_sep_line.csv"])
def test_the_same_learners_whatever_the_encoding_separator_or_line_ends(name):
    assert rows(name) == rows("ok_utf8.csv")
    assert rows(name)[0] == {
        "external_id": "E001", "first_name": "Jan", "middle_name": "de", "last_name": "Vries", "login": "jdevries",
        "email": "jan@example.org", "date_of_birth": "1980-03-15", "custom1": "19/39054148101",
    }


def test_windows_1252_names():
    parsed = parse("ok_cp1252_names.csv")
    assert (parsed.encoding, parsed.delimiter) == ("Windows-1252", ";")
    [row] = rows("ok_cp1252_names.csv")
    assert (row["first_name"], row["last_name"]) == ("Jérôme", "Müller-Öztürk")
    assert (row["company"], row["residence"]) == ("Café Señor €", "'s-Hertogenbosch")


def test_quoted_fields_keep_newlines_separators_and_quotes():
    assert rows("ok_quoted_newline.csv")[0]["address"] == 'Dorpsstraat 1\nachterom, "bij de schuur"'


def test_header_names_ignore_case_spaces_and_punctuation():
    parsed = parse("ok_header_case_spaces.csv")
    assert parsed.columns == ["FirstName", "LastName", "Login", "Email", "DateOfBirth"]


def test_dutch_dates_are_read_as_day_month_year():
    assert [row["date_of_birth"] for row in rows("ok_dutch_dates.csv")] == ["1980-03-15", "1975-02-01"]


def test_values_are_trimmed_and_missing_cells_are_empty():
    assert rows("ok_whitespace.csv") == [{"first_name": "Jan", "last_name": "Vries", "login": "jdevries"}]
    assert rows("ok_fewer_cells.csv") == [{"first_name": "Jan", "last_name": "Vries", "login": "jdevries"}]


def test_formula_cells_are_kept_as_plain_text():
    first, second = rows("warn_formula_cells.csv")
    assert first["function"] == '=HYPERLINK("http://evil.example","klik")'
    assert first["company"] == "@SUM(A1:A9)"
    assert second["telephone_number"] == "+31 20 123 4567"  # a phone number is no formula


def test_a_formula_cell_the_portal_made_harmless_comes_back_as_it_was():
    parsed = parse_file("FirstName;LastName;Login;Company;Function;Errors\n"
                        'Jan;Vries;jan;"\'=1+1";"Ann;\'@x";LastName: is required\n'.encode(),
                        max_bytes=10**6, max_rows=10, default_org_id=None)
    [row] = parsed.rows()
    assert (row.values["company"], row.values["function"]) == ("=1+1", "Ann;@x")
    assert parsed.warnings == []  # the download's Errors column is no unknown column


@given(st.text(alphabet=st.characters(exclude_characters="'")))
def test_what_the_export_protects_the_import_unprotects(text):
    assert spreadsheet_unprotect(spreadsheet_safe(text)) == text


def test_passwords_never_reach_the_values():
    [row] = rows("warn_password_column.csv")
    assert "Geheim123!" not in row.values()
    assert not {"password", "Password"} & set(row)


def test_custom1_is_normalised_and_a_bare_number_takes_the_default_org_id():
    data = "FirstName,LastName,Login,Custom1\nJan,Vries,jdv,\"39054148101 ,52/123456\"\n".encode()
    [row] = parse_file(data, max_bytes=LIMIT, max_rows=MAX_ROWS, default_org_id=19).rows()
    assert row.values["custom1"] == "19/39054148101, 52/123456"
    assert row.errors == []


def test_many_duplicates_name_a_few_rows_only():
    data = ("FirstName,LastName,Login\n" + "A,B,same\n" * 10).encode()
    first = next(parse_file(data, max_bytes=LIMIT, max_rows=MAX_ROWS, default_org_id=None).rows())
    assert first.errors == [{"column": "Login",
                             "message": "'same' is also on row 3, 4, 5, 6, 7…" + ONCE}]


def test_a_repeated_value_keeps_a_few_row_numbers_whatever_the_file():
    """Linear duplicate detection: each row looks at six numbers at most, never at every other row."""
    data = ("FirstName,LastName,Login\n" + "A,B,same\n" * 2000).encode()
    parsed = parse_file(data, max_bytes=LIMIT, max_rows=MAX_ROWS, default_org_id=None)
    [holders] = parsed.duplicates["Login"].values()
    assert holders.count == 2000 and holders.first == [2, 3, 4, 5, 6, 7]
    last = list(parsed.rows())[-1]
    assert last.errors[0]["message"] == "'same' is also on row 2, 3, 4, 5, 6…" + ONCE


def pieces_of(data: bytes, size: int):
    return lambda: (data[start:start + size] for start in range(0, len(data), size))


def test_checking_a_file_holds_a_piece_of_it_never_the_whole():
    """The peak while a file is checked and read row by row: a piece of its text, and a few bytes per value
    of the columns that must be unique, however long the rows. Whole, this file's text would take four times
    its bytes (an emoji), and a dict of its values more again (a 50 MB file of 200,000 rows took 388 MB)."""
    data = ("ExternalID;FirstName;LastName;Login;Email;Function;Company\r\n" + "".join(
        f"E{n:06d};Zoë 🙂;Müller;login.{n};login.{n}@example.org;{'f' * 150};{'c' * 190}\r\n"
        for n in range(10_000))).encode()
    tracemalloc.start()
    try:
        parsed = parse_pieces(pieces_of(data, 64 * 1024), size=len(data), max_bytes=LIMIT, max_rows=MAX_ROWS,
                              default_org_id=None)
        assert sum(1 for _row in parsed.rows()) == 10_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(data) / 2


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
@pytest.mark.parametrize("name", ["ok_utf8.csv", "ok_utf8_bom.csv", "ok_crlf.csv", "ok_cr_only.csv",
                                  "ok_cp1252_names.csv", "ok_quoted_newline.csv", "ok_excel_sep_line.csv",
                                  "ok_empty_lines.csv", "err_duplicate_login.csv"])
def test_the_same_rows_whatever_the_pieces_the_file_is_read_in(name, size):
    """A line end (\\r\\n) or a character (two to four bytes in UTF-8) split over two pieces is read whole."""
    data = (CORPUS / name).read_bytes()
    parsed = parse_pieces(pieces_of(data, size), size=len(data), max_bytes=LIMIT, max_rows=MAX_ROWS,
                          default_org_id=None)
    assert (parsed.encoding, parsed.delimiter, parsed.header_line) == (parse(name).encoding, parse(name).delimiter,
                                                                       parse(name).header_line)
    assert problems(parsed) == problems(parse(name))
    assert [(row.line, row.values) for row in parsed.rows()] == [(row.line, row.values) for row in parse(name).rows()]


@pytest.mark.parametrize("name", ["bad_utf16.csv", "bad_utf32.csv", "bad_xlsx.xlsx", "bad_binary.bin"])
def test_a_file_refused_by_its_first_bytes_is_refused_whatever_the_pieces(name):
    data = (CORPUS / name).read_bytes()
    with pytest.raises(ImportFileError) as refused:
        parse_pieces(pieces_of(data, 1), size=len(data), max_bytes=LIMIT, max_rows=MAX_ROWS, default_org_id=None)
    assert str(refused.value) == FILE_ERRORS[name]


def test_a_byte_that_is_not_utf8_at_the_end_makes_the_whole_file_windows_1252():
    data = "FirstName;LastName;Login\r\nJérôme;Müller;jm\r\n".encode() * 1000 + "Zoë;B;zb\r\n".encode("cp1252")
    parsed = parse_pieces(pieces_of(data, 4096), size=len(data), max_bytes=LIMIT, max_rows=MAX_ROWS,
                          default_org_id=None)
    assert parsed.encoding == "Windows-1252"
    assert list(parsed.rows())[-1].values["first_name"] == "Zoë"


def test_a_file_over_the_row_cap_is_refused_with_the_cap_named():
    data = ("FirstName,LastName,Login\n" + "".join(f"A,B,l{n}\n" for n in range(1001))).encode()
    with pytest.raises(ImportFileError) as refused:
        parse_file(data, max_bytes=LIMIT, max_rows=1000, default_org_id=None)
    assert str(refused.value).startswith("The file has more than 1,000 learner rows, the most one import takes.")
    assert parse_file(data, max_bytes=LIMIT, max_rows=1001, default_org_id=None).row_count == 1001


def test_a_header_of_10000_columns_is_capped_with_two_warnings():
    header = "FirstName,LastName,Login," + ",".join(f"X{n}" for n in range(10_000))
    parsed = parse_file(f"{header}\nJan,Vries,jdv\n".encode(), max_bytes=LIMIT, max_rows=MAX_ROWS,
                        default_org_id=None)
    assert parsed.warnings == [
        f"The first row names 10003 columns; only the first {MAX_COLUMNS} are read.",
        f"Unknown columns 'X0', 'X1', 'X2', 'X3', 'X4' and {MAX_COLUMNS - 3 - 5} more are ignored.",
    ]


@pytest.mark.parametrize("header", ["FirstName,LastName,Login", "FirstName,LastName,Login" + "," * 20_000])
def test_a_row_of_more_cells_than_a_spreadsheet_has_columns_is_refused(header):
    data = f"{header}\nJan,Vries,jdv{',' * 16_381}\nPiet,Bos,pb{',' * 16_382}\n".encode()
    with pytest.raises(ImportFileError) as refused:
        parse_file(data, max_bytes=LIMIT, max_rows=MAX_ROWS, default_org_id=None)
    row, cells = (1, "20,003") if len(header) > 100 else (3, "16,385")
    assert str(refused.value) == (f"Row {row} has {cells} cells; a row may have at most 16,384, as many as a "
                                  "spreadsheet has columns.")


@pytest.mark.parametrize("data", [
    b"FirstName,LastName,Login\r\nJan,Vries,jdv" + b"," * 40_000_000,  # one line of 40 million cells
    b"FirstName,LastName,Login\r\nJan,Vries,\"" + b"\",\"\r\n" * 10_000_000,  # one row over many lines
    b"\n\n" + b";" * 40_000_000,  # the first row
])
def test_a_row_of_millions_of_cells_is_refused_while_it_is_read(data):
    """Before its cells are made: 40 million empty cells would take 320 MB (their list), and its text
    another 40 MB; refused, the check holds no more than a piece of the file."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            parse_file(data, max_bytes=len(data), max_rows=MAX_ROWS, default_org_id=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    row = 3 if data.startswith(b"\n") else 2
    assert str(refused.value) == (f"Row {row} is longer than 262,144 characters, far longer than a learner's row. "
                                  "Check the quotes (\") in that row, and the line ends.")
    assert peak < 5 * 1024 * 1024


def test_one_byte_over_the_size_limit_says_so():
    with pytest.raises(ImportFileError) as refused:
        check_size(50 * 1024 * 1024 + 1, max_bytes=50 * 1024 * 1024)
    assert str(refused.value) == "The file is 50.0\xa0MB, 1\xa0byte over the limit of 50.0\xa0MB."

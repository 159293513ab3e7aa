"""The shared input rules (portal/validators.py) in the CSV import: a cell breaking one is an error of its row."""

import pytest

from portal.imports.parsing import parse_file

HEADER = "FirstName,LastName,ExternalID,Login,DateOfBirth,Custom1\r\n"


def problems(line: str) -> list[str]:
    parsed = parse_file((HEADER + line + "\r\n").encode(), max_bytes=10**6, max_rows=10, default_org_id=19)
    [row] = parsed.rows()
    return [f"{e['column']}: {e['message']}" for e in row.errors]


def test_a_good_row_has_no_problems():
    assert problems("Jan,Vries,E1,jan,1980-03-15,19/39054148101") == []


@pytest.mark.parametrize("date", ["１９８０-03-15", "1980-0３-15", "15-03-１９８０"])
def test_a_date_in_non_ascii_digits_is_no_date(date):
    assert problems(f"Jan,Vries,E1,jan,{date},") == [
        f"DateOfBirth: '{date}' is not a date: write it as yyyy-mm-dd or dd-mm-yyyy, e.g. 1980-03-15 or 15-03-1980."]


@pytest.mark.parametrize("cells, problem", [
    ("Jan\u202e,Vries,E1,jan,,", "FirstName: contains the invisible or control character U+202E; remove it"),
    ("Jan,Vr\u0085ies,E1,jan,,", "LastName: contains the invisible or control character U+0085; remove it"),
    ("Jan,Vries,E1,jan\u2066,,", "Login: contains the invisible or control character U+2066; remove it"),
    ("Jan,Vries,..,jan,,", "ExternalID: '..' cannot be an ID: it names a folder in a web address"),
    ("Jan,Vries,.,jan,,", "ExternalID: '.' cannot be an ID: it names a folder in a web address"),
    ("Jan,Vries,E/1,jan,,", "ExternalID: may not contain / or \\"),
    ("Jan,Vries,E1,jan,0001-01-01,", "DateOfBirth: 0001-01-01 lies outside 1900-01-01 – "),
    ("Jan,Vries,E1,jan,31-12-9999,", "DateOfBirth: 9999-12-31 lies outside 1900-01-01 – "),
])
def test_control_characters_dot_ids_and_implausible_dates_are_errors_of_their_cell(cells, problem):
    [found] = problems(cells)
    assert found.startswith(problem)


@pytest.mark.parametrize("date", ["1980-03-15", "1980-3-5", "15-03-1980", "5-3-1980"])
def test_the_date_formats_the_upload_page_promises_are_accepted(date):
    assert problems(f"Jan,Vries,E1,jan,{date},") == []


def test_a_date_in_another_format_is_told_which_formats_to_use():
    assert problems("Jan,Vries,E1,jan,15/03/1980,") == [
        "DateOfBirth: '15/03/1980' is not a date: write it as yyyy-mm-dd or dd-mm-yyyy, e.g. 1980-03-15 or 15-03-1980."]

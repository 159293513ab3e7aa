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
        f"DateOfBirth: '{date}' is not a date (expected yyyy-mm-dd)"]

"""The one formula rule of the CSV import and the exports."""

import pytest

from portal.spreadsheet import looks_like_formula, spreadsheet_safe


@pytest.mark.parametrize("text, safe", [
    ("=1+1", "'=1+1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-2+3", "'-2+3"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("Ann;=2+2", "Ann;'=2+2"),
    ("Ann, -2+cmd|x", "Ann, '-2+cmd|x"),
    ("\t=1", "\t'=1"),
    ("+３", "'+３"),  # no number to a spreadsheet, though \d matches it
])
def test_formulas_get_an_apostrophe_before_each_piece_that_starts_one(text, safe):
    assert looks_like_formula(text) and spreadsheet_safe(text) == safe


@pytest.mark.parametrize("text", ["+31 20 123 4567", "+31 (0)6-1234 5678", "-", "-5", "Jansen",
                                  "19/39054148101, 52/123456", "Dorpsstraat 1; achterom", ""])
def test_ordinary_values_stay_as_they_are(text):
    assert not looks_like_formula(text) and spreadsheet_safe(text) == text

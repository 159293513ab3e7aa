"""Writes the corpus of awkward and bad CSV files under tests/imports/corpus/.

Byte-exact details (BOMs, Windows-1252, CR line ends, binary data) are hard to keep right by
hand, so the files are made here. The expected outcome of each file is in test_parsing.py.
Run again after a change: ``python -m tests.imports.make_corpus``.
"""

import csv
import io
import zipfile
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

HEADER = ["Gender", "Title", "ExternalID", "FirstName", "MiddleName", "LastName", "Login", "Password",
          "ForcePasswordChange", "Renewable", "Email", "Initials", "Function", "Company", "DateOfBirth",
          "TelephoneNumber", "CellPhoneNumber", "Address", "Zip", "Residence", "Country", "Custom1"]

JAN = {"ExternalID": "E001", "FirstName": "Jan", "MiddleName": "de", "LastName": "Vries", "Login": "jdevries",
       "Email": "jan@example.org", "DateOfBirth": "1980-03-15", "Custom1": "19/39054148101"}
PIET = {"ExternalID": "E002", "FirstName": "Piet", "LastName": "Jansen", "Login": "pjansen",
        "Email": "piet@example.org", "Company": "Ziekenhuis Noord", "Custom1": "52/123456"}


def table(*rows: dict, header=HEADER, sep: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def person(n: int, **cells) -> dict:
    return {"ExternalID": f"E{n:03d}", "FirstName": f"First{n}", "LastName": f"Last{n}", "Login": f"login{n}",
            "Email": f"person{n}@example.org", **cells}


def xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return out.getvalue()


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


CASES: dict[str, bytes] = {
    # Awkward but fine
    "ok_utf8.csv": utf8(table(JAN, PIET)),
    "ok_utf8_bom.csv": b"\xef\xbb\xbf" + utf8(table(JAN, PIET)),
    "ok_cp1252_names.csv": table(
        {**JAN, "FirstName": "Jérôme", "LastName": "Müller-Öztürk", "Residence": "'s-Hertogenbosch",
         "Company": "Café Señor €"}, sep=";", newline="\r\n").encode("cp1252"),
    "ok_semicolon.csv": utf8(table(JAN, PIET, sep=";")),
    "ok_crlf.csv": utf8(table(JAN, PIET, newline="\r\n")),
    "ok_cr_only.csv": utf8(table(JAN, PIET, newline="\r")),
    "ok_quoted_newline.csv": utf8(table({**JAN, "Address": 'Dorpsstraat 1\nachterom, "bij de schuur"'}, PIET)),
    "ok_header_case_spaces.csv": utf8(" first name ;LAST NAME; login ;E-mail;date_of_birth\n"
                                      "Jan;Vries;jdevries;jan@example.org;1980-03-15\n"),
    "ok_minimal_columns.csv": utf8("FirstName,LastName,Login\nJan,Vries,jdevries\n"),
    "ok_external_id_only.csv": utf8("ExternalID,FirstName,LastName\nE001,Jan,Vries\n"),
    "ok_empty_lines.csv": utf8("\n" + table(JAN).replace("\n", "\n\n,,,,\n   \n", 1) + ",,,,,\n"
                               + table(PIET).split("\n", 1)[1] + "\n\n"),
    "ok_excel_sep_line.csv": utf8("sep=;\n" + table(JAN, PIET, sep=";")),
    "ok_dutch_dates.csv": utf8(table({**JAN, "DateOfBirth": "15-03-1980"}, {**PIET, "DateOfBirth": "1-2-1975"})),
    "ok_trailing_separators.csv": utf8("FirstName;LastName;Login;\nJan;Vries;jdevries;;;\n"),
    "ok_fewer_cells.csv": utf8("FirstName,LastName,Login,Email,Company\nJan,Vries,jdevries\n"),
    "ok_whitespace.csv": utf8("FirstName,LastName,Login\n  Jan\t, Vries ,\u00a0jdevries \n"),
    # Warnings
    "warn_unknown_columns.csv": utf8("FirstName,LastName,Login,Nickname\nJan,Vries,jdevries,Jantje\n"),
    "warn_many_unknown_columns.csv": utf8("FirstName,LastName,Login,A,B,C,D,E,F,G\nJan,Vries,jdevries\n"),
    "warn_formula_cells.csv": utf8(table(
        {**JAN, "Function": '=HYPERLINK("http://evil.example","klik")', "Company": "@SUM(A1:A9)"},
        {**PIET, "Function": "+cmd|' /C calc'!A0", "TelephoneNumber": "+31 20 123 4567"})),
    "warn_password_column.csv": utf8(table({**JAN, "Password": "Geheim123!", "ForcePasswordChange": "true"})),
    "warn_big_check_digit.csv": utf8(table({**JAN, "Custom1": "19/12345678901"})),
    # Errors in rows
    "err_bad_date.csv": utf8(table(*[person(n) for n in range(2, 17)], person(17, DateOfBirth="31-02-1980"))),
    "err_bad_date_format.csv": utf8(table({**JAN, "DateOfBirth": "1980/03/15"})),
    "err_bad_email.csv": utf8(table({**JAN, "Email": "jan@"})),
    "err_duplicate_external_id.csv": utf8(table(JAN, {**PIET, "ExternalID": "E001"})),
    "err_duplicate_login.csv": utf8(table(JAN, {**PIET, "Login": "JdeVries"})),
    "err_duplicate_email.csv": utf8(table(JAN, {**PIET, "Email": "Jan@Example.org"})),
    "err_missing_first_name.csv": utf8(table({**JAN, "FirstName": ""})),
    "err_no_login_no_external_id.csv": utf8(table({**JAN, "Login": "", "ExternalID": ""})),
    "err_custom1_bad.csv": utf8(table({**JAN, "Custom1": "19/abc"})),
    "err_long_value.csv": utf8(table({**JAN, "FirstName": "J" * 300})),
    # Files refused as a whole
    "bad_empty.csv": b"",
    "bad_blank_lines_only.csv": b"\r\n\r\n   \r\n",
    "bad_bom_only.csv": b"\xef\xbb\xbf",
    "bad_header_only.csv": utf8(table()),
    "bad_xlsx.xlsx": xlsx(),
    "bad_xls.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "bad_binary.bin": bytes(range(256)) * 4,
    "bad_png.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "bad_utf16.csv": table(JAN).encode("utf-16"),
    "bad_utf32.csv": table(JAN).encode("utf-32"),
    "bad_missing_last_name.csv": utf8("FirstName,Login\nJan,jdevries\n"),
    "bad_missing_login_and_external_id.csv": utf8("FirstName,LastName,Email\nJan,Vries,jan@example.org\n"),
    "bad_tab_separated.csv": utf8(table(JAN, sep="\t")),
    "bad_html.csv": utf8("<!DOCTYPE html>\n<html><body><p>Sign in</p></body></html>\n"),
    "bad_duplicate_column.csv": utf8("FirstName,LastName,Login,Email,E-mail\nJan,Vries,jdevries,a@b.nl,c@d.nl\n"),
    "bad_too_many_cells.csv": utf8("FirstName,LastName,Login\nJan,Vries,jdevries\nPiet,Jansen,pjansen,extra\n"),
    "bad_unterminated_quote.csv": utf8('FirstName,LastName,Login\nJan,"Vries,jdevries\nPiet,Jansen,pjansen\n'),
    "bad_huge_field.csv": utf8("FirstName,LastName,Login\nJan,Vries," + "x" * 200_000 + "\n"),
    "bad_over_size_limit.csv": utf8(table(*[person(n) for n in range(2, 40)])),  # tested with a 1 KB limit
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()
    for name, data in CASES.items():
        (CORPUS / name).write_bytes(data)
    print(f"{len(CASES)} files written to {CORPUS.name}/")


if __name__ == "__main__":
    main()

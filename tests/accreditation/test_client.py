"""The client against the vendor's examples and, over real HTTP, against the sandbox."""

from datetime import datetime
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree

from accreditation.client import ACCEPTED, REJECTED, UNKNOWN, Attendance, PEOnlineError, entry_xml, summary_parse
from sandbox import pe_online as sandbox
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY

VENDOR = Path(__file__).parent / "vendor"
EXAMPLE_LINES = [
    Attendance(course_id="9471", person_id="39054148101", module_id="Module_A",
               end_date=datetime.fromisoformat("2008-06-09T13:08:13+02:00")),
    Attendance(course_id="8001", person_id="39054148101", end_date=datetime.fromisoformat("2008-06-08T13:08:13+02:00")),
    Attendance(course_id="8001", person_id="59059671101", end_date=datetime.fromisoformat("2008-06-08T13:08:13+02:00")),
]


def _shape(node):
    return (node.tag, (node.text or "").strip(), [_shape(child) for child in node])


def test_the_specification_example_entry_is_built_element_for_element():
    example = ElementTree.fromstring((VENDOR / "entry-example.xml").read_bytes())
    built = ElementTree.fromstring(entry_xml(user_id="1", user_key="secret", org_id=19, attendances=EXAMPLE_LINES))

    assert [_shape(a) for a in built.findall("Attendance")] == [_shape(a) for a in example.findall("Attendance")]
    assert [c.tag for c in built.find("Settings")] == [c.tag for c in example.find("Settings")]
    for name in ("userID", "userRole", "userKey", "orgID", "languageID", "defaultLanguageID"):
        assert built.findtext(f"Settings/{name}") == example.findtext(f"Settings/{name}")


def test_the_specification_example_answer_maps_op_regel_2_to_the_first_line():
    summary = summary_parse((VENDOR / "response-example.xml").read_text(), attendances=EXAMPLE_LINES)

    assert (summary.total_rows, summary.accepted_rows, summary.rejected_rows) == (3, 2, 1)
    first, second, third = summary.lines
    assert first.status == REJECTED and "Cursus 9471 op regel 2" in first.message and first.message.startswith("100:")
    assert second.status == third.status == ACCEPTED
    assert "<person>59059671101</person>" in third.answer and "<person>39054148101</person>" in second.answer


@pytest.mark.parametrize("number,text", [(400, "No access"), (500, "too many records"), (505, "XML structure")])
def test_batch_errors_process_nothing(number, text):
    answer = (f"<Summary><Results><rejected_rows>0</rejected_rows><accepted_rows>0</accepted_rows><total_rows>0"
              f"</total_rows></Results><Error><errorNR>{number}</errorNR><errorMsg>x</errorMsg></Error></Summary>")
    with pytest.raises(PEOnlineError) as failure:
        summary_parse(answer, attendances=EXAMPLE_LINES[:1])
    assert failure.value.status == number and text in failure.value.message


def test_lines_go_to_the_sandbox_and_each_outcome_comes_back_on_its_line(make_client, pe_sandbox, calls):
    lines = [Attendance(course_id="8001", person_id="39054148101", end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00")),
             Attendance(course_id="8001", person_id="11111111111", end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00")),
             Attendance(course_id="4001", person_id="59059671101", edition_id="40011",
                        end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00"))]

    summary = make_client().process_xml(org_id=19, attendances=lines)

    assert [line.status for line in summary.lines] == [ACCEPTED, REJECTED, REJECTED]
    assert "Professional 11111111111 op regel 3 bestaat niet in PE" in summary.lines[1].message
    assert "bevat een enddate, dit is niet mogelijk voor klassikaal" in summary.lines[2].message
    assert len(pe_sandbox.app.attendances) == 1
    call, = calls
    assert (call.method, call.path, call.status) == ("POST", BASE_PATH + "/ProcessXML", 200)
    assert DEFAULT_USER_KEY not in call.request_summary + call.response_summary + call.path


def test_an_error_without_a_line_number_leaves_the_line_not_accepted_unknown():
    answer = ("<Summary><Results><rejected_rows>1</rejected_rows><accepted_rows>1</accepted_rows><total_rows>2"
              "</total_rows></Results><Error><errorNR>100</errorNR><errorMsg>ERROR1021</errorMsg></Error>"
              "<Accepted><person>39054148101</person><course>8001</course><date>x</date></Accepted></Summary>")
    accepted, unplaced = summary_parse(answer, attendances=EXAMPLE_LINES[1:]).lines

    assert accepted.status == ACCEPTED
    assert unplaced.status == UNKNOWN and unplaced.message.endswith("; 100: ERROR1021") and unplaced.answer == answer


def _answer(rejected="1", accepted="2", total="3", errors=(("100", "Cursus 9471 op regel 2 bestaat niet in PE"),),
            persons=(("59059671101", "8001"), ("39054148101", "8001"))) -> str:
    results = "".join(f"<{name}>{value}</{name}>" for name, value in (
        ("rejected_rows", rejected), ("accepted_rows", accepted), ("total_rows", total)) if value is not None)
    return (f"<Summary><Results>{results}</Results>"
            + "".join(f"<Error><errorNR>{n}</errorNR><errorMsg>{m}</errorMsg></Error>" for n, m in errors)
            + "".join(f"<Accepted><person>{p}</person><course>{c}</course><date>x</date></Accepted>"
                      for p, c in persons) + "</Summary>")


def test_the_well_formed_answer_the_malformed_ones_are_made_from_is_read_as_it_says():
    assert [line.status for line in summary_parse(_answer(), attendances=EXAMPLE_LINES).lines] == [
        REJECTED, ACCEPTED, ACCEPTED]


@pytest.mark.parametrize("answer", [
    "<Summary/>",
    "<Summary><Results/></Summary>",
    _answer(rejected="2", errors=()),  # rejects two rows, names none
    _answer(rejected="2", accepted="1", errors=(), persons=(("59059671101", "8001"),)),
    _answer(total="2"),  # adds up, but not to the 3 lines sent
    _answer(rejected="0", total="2", errors=()),
    _answer(accepted=None),
    _answer(accepted="two"),
    _answer(accepted="²"),
    _answer(rejected="-1", accepted="4"),
], ids=["bare", "empty results", "rejected without error", "rejected without error, one accepted", "total not lines",
        "two of three", "no accepted_rows", "words", "superscript", "negative"])
def test_an_answer_whose_totals_do_not_add_up_leaves_every_line_unknown_with_the_answer(answer):
    summary = summary_parse(answer, attendances=EXAMPLE_LINES)

    assert [line.status for line in summary.lines] == [UNKNOWN] * 3
    assert all(line.answer == answer and "totals do not add up" in line.message for line in summary.lines)


@pytest.mark.parametrize("persons", [
    (("59059671101", "8001"), ("00000000000", "8001")),  # a person not sent
    (("59059671101", "8001"), ("39054148101", "9471")),  # the rejected line's course
    (("59059671101", "8001"), ("59059671101", "8001")),  # one line twice
    (("59059671101", "8001"),),
    (("59059671101", "8001"), ("39054148101", "8001"), ("39054148101", "9471")),
], ids=["other person", "rejected line", "twice", "one short", "one more"])
def test_an_accepted_list_that_disagrees_with_the_lines_leaves_every_line_unknown(persons):
    summary = summary_parse(_answer(persons=persons), attendances=EXAMPLE_LINES)

    assert [line.status for line in summary.lines] == [UNKNOWN] * 3
    assert "Accepted list does not match" in summary.lines[1].message


def test_an_error_naming_another_course_than_its_line_is_not_mapped_and_its_line_is_unknown():
    answer = _answer(errors=(("100", "Cursus 8001 op regel 2 bestaat niet in PE"),))
    first, second, third = summary_parse(answer, attendances=EXAMPLE_LINES).lines

    assert first.status == UNKNOWN and "Cursus 8001 op regel 2" in first.message and first.answer == answer
    assert second.status == third.status == ACCEPTED


def test_an_error_naming_another_person_than_its_line_maps_to_no_line():
    # Read with PE-online counting from 1, line 3 would be the third line; with 2, it is the second.
    answer = _answer(errors=(("100", "Professional 59059671101 op regel 3 bestaat niet in PE"),),
                     persons=(("39054148101", "9471"), ("39054148101", "8001")))

    assert [line.status for line in summary_parse(answer, attendances=EXAMPLE_LINES).lines] == [UNKNOWN] * 3


def test_an_error_naming_no_course_nor_person_on_a_line_leaves_it_unknown():
    answer = _answer(errors=(("100", "Cursus op regel 2 niet opgegeven"),))

    assert [line.status for line in summary_parse(answer, attendances=EXAMPLE_LINES).lines] == [
        UNKNOWN, ACCEPTED, ACCEPTED]


@pytest.mark.parametrize("mode", sandbox.ANSWER_MODES)
def test_the_sandbox_answers_each_malformed_summary_and_no_line_is_taken_for_accepted(make_client, pe_sandbox, mode):
    end = datetime.fromisoformat("2026-01-05T10:00:00+01:00")
    lines = [Attendance(course_id="8001", person_id="39054148101", end_date=end),
             Attendance(course_id="9999", person_id="59059671101", end_date=end)]
    pe_sandbox.app.answer_mode = mode

    summary = make_client().process_xml(org_id=19, attendances=lines)

    expected = [ACCEPTED, UNKNOWN] if mode == sandbox.WRONG_COURSE else [UNKNOWN, UNKNOWN]
    assert [line.status for line in summary.lines] == expected
    assert len(pe_sandbox.app.attendances) == 1  # PE-online did write the first line


@pytest.mark.parametrize("value", ["١٢٣", "²", "12a", " 12", "-12"])
def test_only_ascii_digits_go_as_pe_online_s_own_id(value):
    element = Attendance(course_id=value, person_id="39054148101", meeting_id=value).element()

    assert element.findtext("externalCourseID") == value and element.find("PECourseID") is None
    assert element.findtext("externalMeetingID") == value and element.find("PEMeetingID") is None
    assert Attendance(course_id="0123", person_id="1").element().findtext("PECourseID") == "0123"


def test_a_wrong_key_is_error_400(make_client):
    with pytest.raises(PEOnlineError) as failure:
        make_client(user_key="wrong").check_connection(org_id=19)
    assert failure.value.status == 400


def test_the_sandbox_checks_what_the_specification_checks(pe_sandbox):
    url = pe_sandbox.url + BASE_PATH + "/ProcessXML"
    settings = (f"<Settings><userID>{DEFAULT_USER_ID}</userID><userRole>EDU</userRole><userKey>{DEFAULT_USER_KEY}"
                f"</userKey><orgID>19</orgID></Settings>")

    def post(body, **kwargs):
        return requests.post(url, data={"sXML": f"<Entry>{settings}{body}</Entry>"}, timeout=5, **kwargs)

    assert "<errorNR>505</errorNR>" in post("<Attendance><PECourseId>8001</PECourseId></Attendance>").text
    assert "<errorNR>505</errorNR>" in post("<Attendance><PECourseID>abc</PECourseID></Attendance>").text
    line = "<Attendance><PECourseID>8001</PECourseID><externalPersonID>39054148101</externalPersonID></Attendance>"
    assert "<errorNR>500</errorNR>" in post(line * 101).text
    assert "verplicht voor groepen" in post(line).text
    assert "Niet geaccrediteerd bij een beroepsgroep van de organisatie 19" in post(line.replace("8001", "7001")).text
    assert "Cursus 9999 op regel 2 bestaat niet in PE" in post(line.replace("8001", "9999")).text
    assert requests.get(url, params={"sXML": "<Entry/>"}, timeout=5).status_code == 405
    assert requests.post(pe_sandbox.url + "/ProcessXML", data={"sXML": "<Entry/>"}, timeout=5).status_code == 404


def test_e_learning_attendances_are_written_once(make_client, pe_sandbox):
    line = Attendance(course_id="9471", person_id="39054148101", module_id="Module_A",
                      end_date=datetime.fromisoformat("2026-02-01T09:00:00+01:00"))
    client = make_client()
    client.process_xml(org_id=19, attendances=[line])
    client.process_xml(org_id=19, attendances=[line])

    assert len(pe_sandbox.app.attendances) == 1


def test_more_than_100_lines_are_never_sent(make_client, pe_sandbox):
    with pytest.raises(ValueError):
        make_client().process_xml(org_id=19, attendances=[EXAMPLE_LINES[1]] * 101)
    assert pe_sandbox.app.requests == []


SANDBOX_LINE = ("<Attendance><PECourseID>{course}</PECourseID><externalPersonID>39054148101</externalPersonID>"
                "<endDate>{end}</endDate></Attendance>")


@pytest.mark.parametrize("settings,line,invalid", [
    ("<userRole>EDU</userRole><languageID>1</languageID><defaultLanguageID>1</defaultLanguageID>", {}, False),
    ("<languageID>6</languageID><defaultLanguageID>6</defaultLanguageID>", {}, True),  # no userRole
    ("<userRole>ADMIN</userRole>", {}, True),
    ("<userRole>EDU</userRole><languageID>1</languageID><defaultLanguageID>6</defaultLanguageID>", {}, True),
    ("<userRole>EDU</userRole><languageID>1</languageID>", {}, True),
    ("<userRole>EDU</userRole><languageID>2</languageID><defaultLanguageID>2</defaultLanguageID>", {}, True),
    ("<userRole>EDU</userRole>", {"course": "٨٠٠١"}, True),
    ("<userRole>EDU</userRole>", {"course": "+8001"}, True),
    ("<userRole>EDU</userRole>", {"course": "8_001"}, True),
    ("<userRole>EDU</userRole>", {"end": "2026-01-05"}, True),
    ("<userRole>EDU</userRole>", {"end": "2026-01-05T10:00"}, True),
    ("<userRole>EDU</userRole>", {"end": "20260105T100000"}, True),
    ("<userRole>EDU</userRole>", {"end": "2008-06-08T13:08:13.9422087+02:00"}, False),
    ("<userRole>EDU</userRole>", {"end": "2026-01-05T10:00:00Z"}, False),
], ids=["as specified", "no userRole", "userRole ADMIN", "languages differ", "no defaultLanguageID", "language 2",
        "arabic-indic digits", "sign", "underscore", "date only", "no seconds", "basic format", "vendor example",
        "UTC"])
def test_the_sandbox_checks_settings_integers_and_date_times_as_the_specification_states(
        pe_sandbox, settings, line, invalid):
    body = (f"<Entry><Settings><userID>{DEFAULT_USER_ID}</userID>{settings}<userKey>{DEFAULT_USER_KEY}</userKey>"
            f"<orgID>19</orgID></Settings>"
            + SANDBOX_LINE.format(**{"course": "8001", "end": "2026-01-05T10:00:00+01:00", **line}) + "</Entry>")

    answer = requests.post(pe_sandbox.url + BASE_PATH + "/ProcessXML", data={"sXML": body}, timeout=5).text

    assert ("<errorNR>505</errorNR>" in answer) is invalid
    assert ("<accepted_rows>1</accepted_rows>" in answer) is not invalid

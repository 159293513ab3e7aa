"""The client against the vendor's examples and, over real HTTP, against the sandbox."""

from datetime import datetime
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree

from accreditation.client import Attendance, PEOnlineError, entry_xml, summary_parse
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
    summary = summary_parse((VENDOR / "response-example.xml").read_text(), lines=3)

    assert (summary.total_rows, summary.accepted_rows, summary.rejected_rows) == (3, 2, 1)
    first = summary.outcome(0, EXAMPLE_LINES[0])
    assert not first.accepted and "Cursus 9471 op regel 2" in first.message and first.message.startswith("100:")
    assert summary.outcome(1, EXAMPLE_LINES[1]).accepted and summary.outcome(2, EXAMPLE_LINES[2]).accepted
    assert "<person>59059671101</person>" in summary.line_answer(2, EXAMPLE_LINES[2])


@pytest.mark.parametrize("number,text", [(400, "No access"), (500, "too many records"), (505, "XML structure")])
def test_batch_errors_process_nothing(number, text):
    answer = (f"<Summary><Results><rejected_rows>0</rejected_rows><accepted_rows>0</accepted_rows><total_rows>0"
              f"</total_rows></Results><Error><errorNR>{number}</errorNR><errorMsg>x</errorMsg></Error></Summary>")
    with pytest.raises(PEOnlineError) as failure:
        summary_parse(answer, lines=1)
    assert failure.value.status == number and text in failure.value.message


def test_lines_go_to_the_sandbox_and_each_outcome_comes_back_on_its_line(make_client, pe_sandbox, calls):
    lines = [Attendance(course_id="8001", person_id="39054148101", end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00")),
             Attendance(course_id="8001", person_id="11111111111", end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00")),
             Attendance(course_id="4001", person_id="59059671101", edition_id="40011",
                        end_date=datetime.fromisoformat("2026-01-05T10:00:00+01:00"))]

    summary = make_client().process_xml(org_id=19, attendances=lines)

    assert summary.outcome(0, lines[0]).accepted
    assert "Professional 11111111111 op regel 3 bestaat niet in PE" in summary.outcome(1, lines[1]).message
    assert "bevat een enddate, dit is niet mogelijk voor klassikaal" in summary.outcome(2, lines[2]).message
    assert len(pe_sandbox.app.attendances) == 1
    call, = calls
    assert (call.method, call.path, call.status) == ("POST", BASE_PATH + "/ProcessXML", 200)
    assert DEFAULT_USER_KEY not in call.request_summary + call.response_summary + call.path


def test_an_error_without_a_line_number_rejects_only_the_lines_not_accepted():
    answer = ("<Summary><Results><rejected_rows>1</rejected_rows><accepted_rows>1</accepted_rows><total_rows>2"
              "</total_rows></Results><Error><errorNR>100</errorNR><errorMsg>ERROR1021</errorMsg></Error>"
              "<Accepted><person>39054148101</person><course>8001</course><date>x</date></Accepted></Summary>")
    summary = summary_parse(answer, lines=2)

    assert summary.outcome(0, EXAMPLE_LINES[1]).accepted
    assert summary.outcome(1, EXAMPLE_LINES[2]).message == "100: ERROR1021"


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

"""The Learning Assistant client over real HTTP: against the sandbox, and against the vendor's
recovered samples served as they are."""

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree as SafeET
from django.core.cache.backends.filebased import FileBasedCache

from enrolments.client import (
    EnrolmentRequest,
    LearningAssistantAuthError,
    LearningAssistantClient,
    LearningAssistantError,
    LearningAssistantRejected,
)
from sandbox.learning_assistant import DEFAULT_PASSWORD, DEFAULT_USERNAME, ENROLMENT_TYPES
from sandbox.server import SandboxApp, SandboxResponse
from tests.enrolments import samples

ROOT = Path(__file__).resolve().parents[2]
SOAP_FAULT = ('<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
              '<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>{}</faultstring>'
              '</soapenv:Fault></soapenv:Body></soapenv:Envelope>')


def operations(sandbox) -> list[str]:
    """The operation of every request the sandbox received, in order."""
    names = []
    for request in sandbox.app.requests:
        body = SafeET.fromstring(request.body).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        names.append(body[0].tag.split("}")[1])
    return names


def enrolment_request(api, **changes) -> EnrolmentRequest:
    framework = api.get_frameworks()[0]
    trainers = api.get_trainers()
    request = EnrolmentRequest(
        forename="Amira", surname="Khan", company_uuid=api.get_companies()[0].uuid, course_uuid=framework.uuid,
        primary_assessor_uuid=next(t.uuid for t in trainers if t.assessor),
        primary_verifier_uuid=next(t.uuid for t in trainers if t.verifier),
        source_learner_uuid="5b0e3c8a-1d2f-4e6a-9b7c-0a1b2c3d4e5f", start_date=date(2026, 9, 1),
        planned_end_date=date(2027, 8, 31), uln="9276308686",
        unit_uuids=tuple(u.uuid for u in framework.units if u.mandatory))
    return replace(request, **changes)


# --- reference data ------------------------------------------------------------------------------
def test_reference_lists_are_read_from_soap_arrays(api):
    frameworks = api.get_frameworks()
    assert [(f.title, f.qan) for f in frameworks] == [("Adult Care Worker Level 2", "603/4817/3"),
                                                      ("Business Administrator Level 3", "600/6724/X")]
    assert [(u.reference, u.mandatory) for u in frameworks[0].units] == [("ACW-01", True), ("ACW-02", True),
                                                                          ("ACW-03", False)]
    trainers = {f"{t.forename} {t.surname}": (t.assessor, t.verifier) for t in api.get_trainers()}
    assert trainers == {"Ava Assessor": (True, False), "Victor Verifier": (False, True), "Bea Both": (True, True)}
    assert [c.name for c in api.get_companies()] == ["Harbour Care Ltd", "Northern Offices plc"]
    assert [n.name for n in api.get_nationalities()] == ["British", "Irish", "Polish"]
    assert ("99", "Not provided") in [(e.id, e.name) for e in api.get_ethnicities()]


# --- the token -----------------------------------------------------------------------------------
def test_one_token_serves_every_call_and_every_client_sharing_the_cache(sandbox, make_client):
    make_client().get_trainers()
    make_client().get_companies()
    make_client().get_nationalities()
    assert sandbox.app.authentications == 1
    assert operations(sandbox) == ["Authenticate", "GetTrainers", "GetCompanies", "GetNationalities"]


def test_another_process_reuses_the_token_through_a_shared_cache(sandbox, tmp_path):
    shared = FileBasedCache(str(tmp_path / "cache"), {})
    LearningAssistantClient(sandbox.url, DEFAULT_USERNAME, DEFAULT_PASSWORD, cache=shared).get_trainers()
    script = (
        "import os, sys, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'\n"
        "django.setup()\n"
        "from django.core.cache.backends.filebased import FileBasedCache\n"
        "from enrolments.client import LearningAssistantClient\n"
        "client = LearningAssistantClient(sys.argv[1], sys.argv[2], sys.argv[3], cache=FileBasedCache(sys.argv[4], {}))\n"
        "print(len(client.get_nationalities()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, sandbox.url, DEFAULT_USERNAME, DEFAULT_PASSWORD,
                           str(tmp_path / "cache")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
    assert sandbox.app.authentications == 1
    assert operations(sandbox) == ["Authenticate", "GetTrainers", "GetNationalities"]


def test_each_successful_call_slides_the_window(sandbox, api, clock):
    for _ in range(6):  # two hours of calls, twenty minutes apart
        api.get_trainers()
        clock.advance(minutes=20)
        sandbox.app.advance(minutes=20)
    assert sandbox.app.authentications == 1


def test_the_token_is_renewed_shortly_before_it_runs_out(sandbox, api, clock):
    api.get_trainers()
    clock.advance(minutes=29)
    sandbox.app.advance(minutes=29)
    api.get_trainers()
    assert operations(sandbox) == ["Authenticate", "GetTrainers", "Authenticate", "GetTrainers"]
    assert len(sandbox.app.requests) == 4  # renewed in time: no call was refused


def test_an_expired_token_is_renewed_once_transparently(sandbox, api):
    api.get_trainers()
    sandbox.app.advance(minutes=31)  # the client's clock does not know
    assert len(api.get_companies()) == 2
    assert operations(sandbox) == ["Authenticate", "GetTrainers", "GetCompanies", "Authenticate", "GetCompanies"]


def test_a_token_refused_again_after_renewal_is_an_error_not_a_loop(sandbox, api):
    api.get_trainers()
    for _ in range(3):
        sandbox.app.fail_next(status=500, body=SOAP_FAULT.format("Invalid or expired authToken"),
                              content_type="text/xml", path_contains="user.cfc")
    with pytest.raises(LearningAssistantError, match="refused a token it had just issued"):
        api.get_trainers()
    assert operations(sandbox) == ["Authenticate", "GetTrainers", "GetTrainers", "Authenticate", "GetTrainers"]


def test_a_wrong_password_is_said_once_and_never_retried(sandbox, make_client, calls):
    api = make_client(password="wrong")
    with pytest.raises(LearningAssistantAuthError, match="refused the user name or password"):
        api.get_trainers()
    assert operations(sandbox) == ["Authenticate"]
    with pytest.raises(LearningAssistantAuthError):
        api.get_companies()
    assert operations(sandbox) == ["Authenticate", "Authenticate"]
    assert all("wrong" not in f"{c.request_summary}{c.response_summary}" for c in calls)


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("Invalid username or password", LearningAssistantAuthError, "refused the user name or password"),
    ("Server busy", LearningAssistantError, "reported an error: Server busy"),
])
def test_a_fault_from_authenticate_is_told_apart(sandbox, api, fault, error, message):
    sandbox.app.fail_next(status=500, body=SOAP_FAULT.format(fault), content_type="text/xml",
                          path_contains="authenticate.cfc")
    with pytest.raises(error, match=message) as raised:
        api.get_trainers()
    assert (type(raised.value) is LearningAssistantAuthError) == (error is LearningAssistantAuthError)
    assert operations(sandbox) == ["Authenticate"]


def test_tokens_and_passwords_never_reach_the_reported_calls(sandbox, api, calls):
    api.get_trainers()
    token = next(iter(sandbox.app.tokens))
    everything = " ".join(f"{c.path} {c.request_summary} {c.response_summary}" for c in calls)
    assert DEFAULT_PASSWORD not in everything
    assert token[0] not in everything and token[1] not in everything
    assert "szUsername>sandbox-user<" in everything and "GetTrainers" in everything


# --- enrolments ----------------------------------------------------------------------------------
def test_group_enrolment_answers_the_candidate_uuid(sandbox, api):
    result = api.group_enrolment(enrolment_request(api))
    assert result.source_learner_uuid == "5b0e3c8a-1d2f-4e6a-9b7c-0a1b2c3d4e5f"
    assert result.uln == "9276308686" and result.candidate_uuid == sandbox.app.enrolments[0].candidate_uuid


def test_a_message_list_becomes_typed_issues(api):
    with pytest.raises(LearningAssistantRejected) as refused:
        api.group_enrolment(enrolment_request(api, uln="9999999999", company_uuid="no-such-company",
                                              primary_verifier_uuid=""))
    assert {(i.field, i.message) for i in refused.value.issues} == {
        ("ULN", "ULN is not valid"), ("CompanyUUID", "Unknown CompanyUUID"),
        ("PrimaryVerifierUUID", "PrimaryVerifierUUID is mandatory")}


def test_update_enrolment_sends_only_the_changes_and_the_identifiers(sandbox, api):
    course = api.get_frameworks()[0].uuid
    candidate = api.group_enrolment(enrolment_request(api)).candidate_uuid
    api.update_enrolment(candidate_uuid=candidate, course_uuid=course, changes={"planned_end_date": date(2027, 12, 1)})
    [envelope] = sandbox.app.received("UpdateEnrolment")
    struct = envelope.find(f".//{{{ENROLMENT_TYPES}}}Type_enrolmentUserUpdate")
    assert {child.tag: child.text for child in struct} == {
        "CandidateUUID": candidate, "CourseUUID": course, "PlannedEndDate": "2027-12-01"}


def test_update_enrolment_refuses_fields_the_update_type_lacks(api):
    with pytest.raises(ValueError, match="forename"):
        api.update_enrolment(candidate_uuid="c", course_uuid="f", changes={"forename": "Amy"})


def test_progress_advances_with_time_down_to_outcomes(sandbox, api):
    course = api.get_frameworks()[0].uuid
    candidate = api.group_enrolment(enrolment_request(api)).candidate_uuid
    assert api.get_progress(candidate_uuid=candidate, course_uuid=course).overall == 0
    sandbox.app.advance(days=15)
    progress = api.get_progress_full(candidate_uuid=candidate, course_uuid=course)
    assert progress.overall == 50
    assert [(u.title, u.progress) for u in progress.units] == [("Duty of care", 100), ("Safeguarding", 0)]
    assert [o.completed for o in progress.units[0].outcomes] == [True, True]
    assert api.get_progress(candidate_uuid=candidate, course_uuid=course).units[0].outcomes == ()


# --- what the sandbox refuses, and how the client says it ----------------------------------------
def test_a_wrong_service_path_is_an_html_page_and_a_clear_error(sandbox, make_client):
    api = LearningAssistantClient(sandbox.url, DEFAULT_USERNAME, DEFAULT_PASSWORD, cache=make_client().cache,
                                  courses_path="/webservices/soap/courses.cfc")
    with pytest.raises(LearningAssistantError, match=r"web page instead of SOAP \(HTTP 404\)"):
        api.get_frameworks()


def test_a_soap_fault_is_one_clear_error(sandbox, api):
    api.get_trainers()
    sandbox.app.fail_next(status=500, body=SOAP_FAULT.format("Database unavailable"), content_type="text/xml")
    with pytest.raises(LearningAssistantError, match="reported an error: Database unavailable"):
        api.get_companies()


def test_a_malformed_answer_is_one_clear_error(sandbox, api):
    api.get_trainers()
    sandbox.app.fail_next(status=200, body="<soapenv:Envelope", content_type="text/xml")
    with pytest.raises(LearningAssistantError, match="could not be read"):
        api.get_companies()


def test_an_answer_of_another_shape_is_one_clear_error(sandbox, api):
    api.get_trainers()
    sandbox.app.fail_next(status=200, body=samples.AUTHENTICATE_RESPONSE, content_type="text/xml")
    with pytest.raises(LearningAssistantError, match="unexpected shape"):
        api.get_companies()


@pytest.mark.parametrize(("path", "change", "fault"), [
    ("enrolment.cfc", (b"Forename", b"FirstName"), b"Unknown element 'FirstName' in Type_enrolmentUser"),
    ("enrolment.cfc", (b'<User href="#id1" />', b"<User><Forename>Amira</Forename></User>"),
     b"User must be passed by reference"),
    ("enrolment.cfc", (b"tns:authToken", b"tns:AuthToken"), b"authToken header missing"),
    ("user.cfc", (b"", b""), b"No such operation 'GroupEnrolment' in /webservices/soap/user.cfc"),
    ("enrolment_update.cfc", (b"", b""), b"No such operation 'GroupEnrolment'"),
])
def test_the_sandbox_refuses_what_the_samples_do_not_show(sandbox, api, path, change, fault):
    api.group_enrolment(enrolment_request(api))
    sent = sandbox.app.requests[-1].body
    assert change[0] in sent
    response = requests.post(f"{sandbox.url}/webservices/soap/{path}", data=sent.replace(*change), timeout=5)
    assert response.status_code == 500 and fault in response.content


def test_the_sandbox_refuses_a_call_without_a_token(sandbox):
    response = requests.post(f"{sandbox.url}/webservices/soap/user.cfc", timeout=5, data=(
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        b'<GetTrainers xmlns="https://api.learningassistant.com"/></soapenv:Body></soapenv:Envelope>'))
    assert response.status_code == 500 and b"authToken header missing" in response.content


def test_the_sandbox_answers_only_posts_on_published_paths(sandbox):
    assert requests.get(f"{sandbox.url}/webservices/soap/user.cfc", timeout=5).status_code == 405
    assert requests.post(f"{sandbox.url}/webservices/soap/users.cfc", timeout=5).status_code == 404


# --- the vendor's samples --------------------------------------------------------------------------
class SamplesApp(SandboxApp):
    """Answers with the recovered response samples, exactly as published."""

    def handle(self, request):
        sample = samples.AUTHENTICATE_RESPONSE if "authenticate" in request.path else samples.GET_CANDIDATES_RESPONSE
        return SandboxResponse(200, sample, "text/xml; charset=UTF-8")


def shape(element) -> list:
    """Tags and attribute names, recursively; values and text left out."""
    return [element.tag, sorted(k for k in element.attrib if k != "id"), [shape(child) for child in element]]


def test_the_published_answers_are_understood(start_sandbox, tmp_path):
    server = start_sandbox(SamplesApp())
    api = LearningAssistantClient(server.url, "user", "secret", cache=FileBasedCache(str(tmp_path), {}))
    [candidate] = api.get_candidates(course_qan="601/2977/3")  # one item, whatever arrayType's [0] says
    assert candidate.anticipated_end == "{AnticipatedEndDate}"
    header = SafeET.fromstring(server.app.requests[1].body).find(".//{http://api.learningassistant.com}authToken")
    assert [child.text for child in header] == ["{id}", "{uuid}"]  # the token from the sample's header, trimmed


@pytest.mark.parametrize(("operation", "sample"), [
    ("Authenticate", samples.AUTHENTICATE_REQUEST), ("GetCandidates", samples.GET_CANDIDATES_REQUEST)])
def test_requests_have_the_published_shape(sandbox, api, operation, sample):
    api.get_candidates(course_qan="603/4817/3")
    [sent] = [r for r in sandbox.app.requests if operation.encode() in r.body]
    assert shape(SafeET.fromstring(sent.body)) == shape(SafeET.fromstring(sample))


@pytest.mark.parametrize(("operation", "sample"), [
    ("GroupEnrolment", samples.GROUP_ENROLMENT_REQUEST), ("UpdateEnrolment", samples.UPDATE_ENROLMENT_REQUEST)])
def test_enrolment_requests_follow_the_published_samples(sandbox, api, operation, sample):
    course = api.get_frameworks()[0].uuid
    candidate = api.group_enrolment(enrolment_request(api, department="Care", job_title="Carer")).candidate_uuid
    api.update_enrolment(candidate_uuid=candidate, course_uuid=course, changes={"department": "Home care"})
    [sent] = sandbox.app.received(operation)
    published = SafeET.fromstring(sample)
    header = "{http://schemas.xmlsoap.org/soap/envelope/}Header"
    body = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
    assert shape(sent.find(header)) == shape(published.find(header))
    assert sent.find(body).attrib == published.find(body).attrib
    operation_sent, struct_sent = sent.find(body)[0], sent.find(body)[1]
    operation_published, struct_published = published.find(body)[0], published.find(body)[1]
    assert shape(operation_sent) == shape(operation_published)
    assert (struct_sent.tag, struct_sent.attrib) == (struct_published.tag, struct_published.attrib)
    published_fields = {child.tag: shape(child) for child in struct_published}
    for child in struct_sent:  # every field the sample shows is sent as the sample shows it
        if child.tag in published_fields:
            assert shape(child) == published_fields[child.tag]

"""The fault matrix: every remote call of the three clients against a sandbox that misbehaves.

The calls are enumerated from the client classes, so a new public method without a row here fails
``test_every_remote_call_has_a_row``. Each cell runs the call through an audited client (the audit
hook the services use) inside the services' failure audit, and checks what a coordinator and an
operator rely on: only the client's own error family escapes (a view turns it into a message, never
a server error page), its message is one readable line, the call is in the audit log with the
failure (its one event saying how many attempts it took), a GET is retried on what may pass (503
honouring Retry-After, a read timeout, an answer that ends late, a gateway's error page) and a POST
never is. PE-online's row runs the submission service, so it also checks the
award left behind. The outcomes are printed at the end of the run and written to
``bench/fault-matrix.md`` when the whole matrix ran.
"""

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from django.core.cache import cache
from django.utils import translation

from accreditation import services as accreditation_services
from accreditation.client import PEOnlineClient, PEOnlineError, pe_online_session
from accreditation.models import Award
from enrolments.client import LearningAssistantClient, LearningAssistantError, learning_assistant_session
from enrolments.services import _action as learning_assistant_action
from portal.audit import audit_remote_call
from portal.http import RemoteError
from portal.integrations import ConnectionCheck
from portal.models import AuditEvent
from portal.services import integration_connection_test
from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_COURSE_ID,
    DEMO_GROUP_ID,
    DEMO_LEARNER_ID,
    WOUND_COURSE_IDS,
    WOUND_EXTERNAL_ACTIVITY_ID,
    WOUND_TEMPLATE_ID,
    AnewspringSandbox,
)
from sandbox.learning_assistant import (
    AUTH_PATH,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    ENROLMENT_PATH,
    UPDATE_PATH,
    USERS_PATH,
    LearningAssistantSandbox,
)
from sandbox.learning_assistant import COMPANIES_PATH as LA_COMPANIES_PATH
from sandbox.learning_assistant import COURSES_PATH as LA_COURSES_PATH
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from sandbox.server import SandboxApp, hostile
from subscriptions.client import AnewspringClient, AnewspringError, CourseRef, LearnerRef, User, anewspring_session
from subscriptions.services.common import remote_action
from tests.accreditation.factories import AwardFactory
from tests.enrolments.test_client import enrolment_request
from tests.faults.conftest import MATRIX

READ_TIMEOUT = 0.4  # small, yet enough for a healthy answer on a busy machine
LATE = READ_TIMEOUT + 0.3  # beyond the read timeout, and no more: the matrix stays fast
GATEWAY_PAGE = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{color:red}</style>"
                "<script>alert('x')</script></head><body><h1>Bad Gateway</h1><p>The proxy got no answer.</p>"
                "</body></html>")


@dataclass(frozen=True)
class Fault:
    name: str
    sandbox: dict = field(default_factory=dict)  # Fault arguments; a body of None takes the system's own
    refused: bool = False
    token_expired: bool = False
    settings: dict = field(default_factory=dict)  # for this row only


# Bodies per system: (content type, malformed answer, well-formed answer of the wrong shape, error body).
BODIES = {
    "anewspring": ("application/json", '{"courses": [', '{"unexpected": true}',
                   '{"errors": [{"message": "Something is wrong"}]}'),
    "pe_online": ("text/xml; charset=utf-8", "<Summary><Results><total_rows>1", '<?xml version="1.0"?><Other/>',
                  "Not processed"),
    "learning_assistant": (
        "text/xml; charset=utf-8", "<soapenv:Envelope",
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        '<ns1:SomethingElseResponse xmlns:ns1="https://api.learningassistant.com"/></soapenv:Body>'
        "</soapenv:Envelope>",
        "Not processed"),
}

FAULTS = [
    Fault("timeout", {"status": 504, "delay": LATE, "body": "late"}),
    Fault("connection refused", refused=True),
    Fault("500", {"status": 500, "body": "Internal Server Error", "content_type": "text/plain"}),
    Fault("503 Retry-After", {"status": 503, "body": "Busy", "content_type": "text/plain",
                              "headers": {"Retry-After": "1"}}),
    Fault("429", {"status": 429, "body": "Too many requests", "content_type": "text/plain"}),
    Fault("404", {"status": 404, "body": "error"}),
    Fault("409", {"status": 409, "body": "error"}),
    Fault("malformed body", {"status": 200, "body": "malformed"}),
    # A proxy's page, on every attempt a retrying GET makes.
    Fault("HTML error page", {"status": 502, "body": GATEWAY_PAGE, "content_type": "text/html", "times": 4}),
    # The answer starts in time and ends late; the request arrived and was carried out.
    Fault("very slow answer", {"status": 200, "body": "unexpected", "body_delay": LATE, "after_handling": True}),
    Fault("2xx unexpected body", {"status": 200, "body": "unexpected", "after_handling": True}),
    Fault("token expired", token_expired=True),
    # Hostile servers (issue 19). The redirect points at another server, which must see nothing.
    Fault("redirect", hostile("redirect")),
    Fault("oversized answer", hostile("huge")),  # a gigabyte
    # A byte every 0.2 s never meets the read timeout; the call's deadline ends it.
    Fault("trickling answer", hostile("trickle", every=0.2), settings={"HTTP_DEADLINE": 1.0}),
    # Once: a retry (which must not happen) would succeed.
    Fault("Retry-After beyond the cap", {"status": 503, "body": "Busy", "content_type": "text/plain",
                                         "headers": {"Retry-After": "40"}}),
]
# Faults a later attempt may cure: the error says so (retryable) and a GET is retried at the HTTP layer.
PASSING = {"timeout", "connection refused", "500", "503 Retry-After", "429", "HTML error page", "very slow answer",
           "trickling answer", "Retry-After beyond the cap"}
UNREADABLE = {"malformed body", "2xx unexpected body"}
# The door refuses these at once, whatever the call: not retried, and retrying later will not help.
REFUSED = {"redirect", "oversized answer"}
GET_ATTEMPTS = {"timeout": 2, "503 Retry-After": 2, "HTML error page": 4, "very slow answer": 2}


def _fault_kwargs(fault: Fault, system: str, path: str) -> dict:
    content_type, malformed, unexpected, error = BODIES[system]
    kwargs = {"content_type": content_type, "path_contains": path} | fault.sandbox
    body = kwargs.get("body")
    kwargs["body"] = {"malformed": malformed, "unexpected": unexpected, "error": error}.get(body, body)
    return kwargs


class Elsewhere(SandboxApp):
    """The host a redirect points to."""

    name = "elsewhere"

    def handle(self, request):
        raise AssertionError("a redirect was followed")


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- The calls ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    system: str
    name: str
    path: str  # what the fault is queued for
    idempotent: bool
    run: Callable  # (client, prepared) -> result


L, C = LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=DEMO_COURSE_ID)
WOUND = CourseRef(id=WOUND_COURSE_IDS[0])


def _aws(name, path, run, *, get=False):
    return Call("anewspring", name, f"/api/{path}", get, lambda client, _prepared: run(client))


ANEWSPRING_CALLS = [
    _aws("is_subscribed", "isSubscribed", lambda c: c.is_subscribed(L, C), get=True),
    _aws("get_subscriptions", "getSubscriptions", lambda c: c.get_subscriptions(L), get=True),
    _aws("get_results", "getResults", lambda c: c.get_results(L), get=True),
    _aws("get_course_results", "getResults", lambda c: c.get_course_results(L, C), get=True),
    _aws("subscribe", "subscribe/", lambda c: c.subscribe(LearnerRef(id="LEARNER-0003"), C)),
    _aws("subscribe_groups", "subscribeGroups", lambda c: c.subscribe_groups(C, [DEMO_GROUP_ID])),
    _aws("update_subscription", "updateSubscription",
         lambda c: c.update_subscription(L, C, expire_date=date(2030, 1, 1))),
    _aws("unsubscribe", "unsubscribe", lambda c: c.unsubscribe(L, C)),
    _aws("score_external_activity", "scoreExternalActivity",
         lambda c: c.score_external_activity(L, WOUND, WOUND_EXTERNAL_ACTIVITY_ID, score=75)),
    _aws("get_templates", "getTemplates", lambda c: c.get_templates(), get=True),
    _aws("get_courses", "getCourses", lambda c: c.get_courses(WOUND_TEMPLATE_ID), get=True),
    _aws("get_course", "getCourse/", lambda c: c.get_course(DEMO_COURSE_ID), get=True),
    _aws("user_exists", "userExists", lambda c: c.user_exists(DEMO_LEARNER_ID), get=True),
    _aws("get_user", "getUser", lambda c: c.get_user(DEMO_LEARNER_ID), get=True),
    _aws("add_user", "addUser",
         lambda c: c.add_user(User(id="LEARNER-0200", first_name="Extra", last_name="Learner", role="student"))),
    _aws("add_or_update_user", "addOrUpdateUser",
         lambda c: c.add_or_update_user(User(id=DEMO_LEARNER_ID, email="anna@example.org"))),
    _aws("group_exists", "groupExists", lambda c: c.group_exists(DEMO_GROUP_ID), get=True),
    _aws("add_group", "addGroup", lambda c: c.add_group("GRP-FAULTS", name="Faults")),
    _aws("add_group_users", "addGroupUsers",
         lambda c: c.add_group_users(DEMO_GROUP_ID, ["LEARNER-0003"], ignore_duplicates=True)),
    _aws("delete_group_users", "deleteGroupUsers", lambda c: c.delete_group_users(DEMO_GROUP_ID, ["LEARNER-0002"])),
    _aws("get_group_users", "getGroupUsers", lambda c: c.get_group_users(DEMO_GROUP_ID), get=True),
]

PE_CALLS = [
    Call("pe_online", "process_xml", "ProcessXML", False, lambda client, prepared: accreditation_services.awards_submit(
        client=client)),
    # The connection test of the dashboard and check_connections, through its service.
    Call("pe_online", "check_connection", "ProcessXML", False, lambda _c, _p: integration_connection_test(
        name="pe_online")),
]


def _la(name, path, run):
    return Call("learning_assistant", name, path, False, run)


LA_CALLS = [
    _la("authenticate", AUTH_PATH, lambda c, _p: c.authenticate()),
    _la("check", AUTH_PATH, lambda c, _p: c.check()),
    _la("get_frameworks", LA_COURSES_PATH, lambda c, _p: c.get_frameworks()),
    _la("get_trainers", USERS_PATH, lambda c, _p: c.get_trainers()),
    _la("get_nationalities", USERS_PATH, lambda c, _p: c.get_nationalities()),
    _la("get_ethnicities", USERS_PATH, lambda c, _p: c.get_ethnicities()),
    _la("get_companies", LA_COMPANIES_PATH, lambda c, _p: c.get_companies()),
    _la("get_candidates", USERS_PATH, lambda c, p: c.get_candidates(course_qan=p["qan"])),
    _la("group_enrolment", ENROLMENT_PATH, lambda c, p: c.group_enrolment(p["request"])),
    _la("update_enrolment", UPDATE_PATH, lambda c, p: c.update_enrolment(
        candidate_uuid=p["candidate"], course_uuid=p["course"], changes={"planned_end_date": date(2027, 12, 1)})),
    _la("get_progress", USERS_PATH, lambda c, p: c.get_progress(candidate_uuid=p["candidate"], course_uuid=p["course"])),
    _la("get_progress_full", USERS_PATH,
        lambda c, p: c.get_progress_full(candidate_uuid=p["candidate"], course_uuid=p["course"])),
]

LA_ENROLMENT_CALLS = {"get_candidates", "group_enrolment", "update_enrolment", "get_progress", "get_progress_full"}
CALLS = ANEWSPRING_CALLS + PE_CALLS + LA_CALLS
CLIENTS = {"anewspring": AnewspringClient, "pe_online": PEOnlineClient, "learning_assistant": LearningAssistantClient}
ERRORS = {"anewspring": AnewspringError, "pe_online": PEOnlineError, "learning_assistant": LearningAssistantError}


# Diagnostics that make no call of their own: Learning Assistant's answer check calls the read operations of
# the rows above one by one and reports each one's failure in its result instead of raising.
COMPOSED = {"learning_assistant": {"check_answers"}}


def test_every_remote_call_has_a_row():
    for system, client_class in CLIENTS.items():
        public = {name for name, value in vars(client_class).items() if callable(value) and not name.startswith("_")}
        assert public - COMPOSED.get(system, set()) == {call.name for call in CALLS if call.system == system}, system


# --- Running one cell ---------------------------------------------------------------------------------
def _client(system: str, url: str, *, read_timeout: float = READ_TIMEOUT):
    """The client as the services build it (audited), without retry back-off so the matrix stays fast."""
    timeouts = {"connect_timeout": 0.5, "read_timeout": read_timeout, "on_call": audit_remote_call, "backoff": 0}
    if system == "anewspring":
        return AnewspringClient(url, DEFAULT_API_KEY, session=anewspring_session(DEFAULT_API_KEY, **timeouts))
    if system == "pe_online":
        return PEOnlineClient(url + BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY,
                              session=pe_online_session(DEFAULT_USER_KEY, **timeouts))
    return LearningAssistantClient(url, DEFAULT_USERNAME, DEFAULT_PASSWORD, cache=cache,
                                   session=learning_assistant_session(DEFAULT_PASSWORD, **timeouts))


SANDBOXES = {"anewspring": AnewspringSandbox.with_demo_data, "pe_online": PEOnlineSandbox.with_demo_data,
             "learning_assistant": LearningAssistantSandbox.with_demo_data}


def _prepare(call: Call, client) -> dict:
    """What the call needs, made while the sandbox still behaves; the token is fetched beforehand."""
    if call.system == "pe_online":
        # A meeting award (type 1): PE-online would write it twice, so a doubtful answer must not resend it.
        return {"award": AwardFactory(pe_type=1, pe_course_id="9471", person_number="39054148101", org_id=19)}
    if call.system != "learning_assistant":
        return {}
    client.authenticate()  # the token the faulty call will use (or renew)
    if call.name not in LA_ENROLMENT_CALLS:
        return {}
    framework = client.get_frameworks()[0]
    request = enrolment_request(client)
    # The enrolment the update and progress rows work on; the group_enrolment row enrols someone else.
    enrolled = replace(request, forename="Bilal", source_learner_uuid="0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", uln="")
    candidate = client.group_enrolment(enrolled).candidate_uuid
    return {"request": request, "qan": framework.qan, "course": framework.uuid, "candidate": candidate}


def _audited(call: Call):
    """The failure audit every service wraps its calls in."""
    if call.system == "anewspring":
        return remote_action(f"fault_matrix.{call.name}")
    if call.system == "learning_assistant":
        return learning_assistant_action(f"fault_matrix.{call.name}")
    from contextlib import nullcontext  # PE-online's row runs the submission service, which audits itself

    return nullcontext()


CASES = [pytest.param(call, fault, id=f"{call.system}.{call.name}-{fault.name}")
         for call in CALLS for fault in FAULTS
         # Only Learning Assistant has a token, and Authenticate sends none.
         if not fault.token_expired or (call.system == "learning_assistant" and call.path != AUTH_PATH)]


@pytest.mark.django_db
@pytest.mark.parametrize(("call", "fault"), CASES)
def test_fault_matrix(call: Call, fault: Fault, start_sandbox, settings):
    cache.clear()
    sandbox = start_sandbox(SANDBOXES[call.system]())
    url = _closed_port_url() if fault.refused else sandbox.url
    settings.PE_ONLINE_URL, settings.PE_ONLINE_USER_ID = url + BASE_PATH, DEFAULT_USER_ID
    settings.PE_ONLINE_USER_KEY, settings.PE_ONLINE_ORG_ID = DEFAULT_USER_KEY, 19
    settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT = 0.5, READ_TIMEOUT
    for name, value in fault.settings.items():
        setattr(settings, name, value)
    elsewhere = start_sandbox(Elsewhere())
    sandbox_fault = fault.sandbox
    if fault.name == "redirect":
        port = elsewhere.url.rpartition(":")[2]
        sandbox_fault = hostile("redirect", location=f"http://localhost:{port}/steal")
    with translation.override("en"):
        prepared = _prepare(call, _client(call.system, sandbox.url, read_timeout=10))
        client = _client(call.system, url)
        if fault.token_expired:
            sandbox.app.advance(minutes=31)  # the sandbox forgets the token the client still holds
        elif not fault.refused:
            sandbox.app.fail_next(**_fault_kwargs(replace(fault, sandbox=sandbox_fault), call.system, call.path))
        before = len(sandbox.app.requests)
        events_before = AuditEvent.objects.filter(system=call.system).count()
        started = time.monotonic()
        error = result = None
        try:
            with _audited(call):
                result = call.run(client, prepared)
        except RemoteError as exc:
            error = exc
        else:
            if isinstance(result, ConnectionCheck) and not result.ok:  # the service says it in words
                error = ERRORS[call.system](result.message)
        seconds = time.monotonic() - started
        sent = [r for r in sandbox.app.requests[before:] if call.path in r.path]
        outcome = _outcome(call, error, result, prepared)
        MATRIX[(call.system, call.name)][fault.name] = outcome

        # Only the system's own error family escapes, with one readable line fit for a page.
        if error is not None:
            assert isinstance(error, ERRORS[call.system]), type(error)
            assert error.message and "\n" not in error.message and "<" not in error.message, error.message
            assert len(error.message) < 600 and "Traceback" not in error.message
        # Every attempt the client saw is audited; a call that ended in a failure is audited as one.
        events = AuditEvent.objects.filter(system=call.system).order_by("pk")[events_before:]
        remote = [e for e in events if e.action == "remote_call"]
        assert remote, "the remote call is in the audit log"
        if error is not None or outcome.startswith("failed"):
            assert any(e.outcome == AuditEvent.OUTCOME_FAILURE for e in events), "the failure is audited"
        # A retry only where it is safe: GETs are retried on what may pass, POSTs never.
        if not fault.refused and not fault.token_expired:
            expected = GET_ATTEMPTS.get(fault.name, 1) if call.idempotent else 1
            assert len(sent) == expected, f"{len(sent)} attempts"
            # The one event of the call says how many attempts it took.
            summary = [e.summary for e in remote if call.path in e.http_path][-1]
            assert summary.endswith(f"({expected} attempts)") if expected > 1 else "attempts)" not in summary, summary
        if fault.name == "503 Retry-After" and call.idempotent:
            assert error is None and seconds >= 1, "Retry-After honoured, then the retry succeeds"
        # An answer that cannot be read is never taken for data; only aNewSpring's POSTs take any 2xx
        # as done (see its client), and PE-online's submission records what it cannot read on the award.
        takes_any_2xx = call.system == "anewspring" and not call.idempotent
        if fault.name in UNREADABLE and not takes_any_2xx and call.name != "process_xml":
            assert error is not None, "an unreadable answer is an error"
        if error is not None and fault.name in PASSING and not isinstance(result, ConnectionCheck):
            assert error.retryable, "a later attempt may cure it, and the error says so"
        if fault.name in REFUSED or fault.name in {"trickling answer", "Retry-After beyond the cap"}:
            assert outcome != "ok" and seconds < 3, (outcome, seconds)
            call_events = [e for e in remote if call.path in e.http_path]
            assert call_events[-1].outcome == AuditEvent.OUTCOME_FAILURE, "the call is audited as a failure"
        if fault.name in REFUSED:
            assert error is None or not error.retryable, "the same address answers the same way"
        if fault.name == "redirect":
            assert elsewhere.app.requests == [], "nothing, secrets least of all, reaches the other host"
            assert "redirect to localhost" in call_events[-1].error and "steal" not in call_events[-1].error
        if fault.token_expired:
            assert error is None, "the token is renewed once, transparently"
            assert [r.path for r in sandbox.app.requests[before:]].count(AUTH_PATH) == 1
        if call.system == "pe_online" and call.name == "process_xml":
            _assert_award_left_consistent(prepared["award"], fault)


def _assert_award_left_consistent(award: Award, fault: Fault) -> None:
    """Never left *sending*; a type 1 award PE-online may have written is never resent by itself."""
    award.refresh_from_db()
    assert award.status != Award.SENDING
    if fault.name in {"very slow answer", "2xx unexpected body", "malformed body", "timeout", "trickling answer",
                      "oversized answer"}:
        assert award.status == Award.UNKNOWN, award.status
    elif fault.name in PASSING:
        assert award.status == Award.FAILED and award.next_attempt_at is not None, award.status


def _outcome(call: Call, error: RemoteError | None, result, prepared: dict) -> str:
    if call.system == "pe_online" and call.name == "process_xml":
        award = prepared["award"]
        award.refresh_from_db()
        retry = ", retried later" if award.next_attempt_at else ""
        return f"award {award.status}{retry}" if award.status != Award.ACCEPTED else "ok"
    if isinstance(result, ConnectionCheck):
        return "ok" if result.ok else "check failed, reason shown"
    if error is None:
        return "ok"
    kind = "retryable" if error.retryable else "final"
    return f"failed ({kind}{f', HTTP {error.status}' if error.status else ''})"

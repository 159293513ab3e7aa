"""The shared session factory, against a real loopback server."""

import time
import tracemalloc

import pytest
import requests
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.audit import remote_call_fields
from portal.http import REDACTED, RemoteCall, RemoteError, build_session, excerpt, redact
from portal.security import remote_urls_use_https
from sandbox.server import SandboxApp, SandboxResponse, hostile
from tests.portal.test_settings import PRODUCTION, manage

SECRET = "s3cr3t-api-key"


class EchoApp(SandboxApp):
    name = "echo"

    def handle(self, request):
        return SandboxResponse.json({"path": request.path, "echo": request.body.decode()})


@pytest.fixture
def echo(start_sandbox):
    return start_sandbox(EchoApp())


def session(calls, **kwargs):
    options = {"system": "test", "connect_timeout": 2, "read_timeout": 2, "secrets": [SECRET],
               "headers": {"X-API-Key": SECRET}, "on_call": calls.append, "backoff": 0,
               "max_answer_bytes": 2**20, "deadline": 10, "retry_after_cap": 10} | kwargs
    return build_session(**options)


def test_every_call_is_reported_without_secrets(echo):
    calls: list[RemoteCall] = []
    response = session(calls).post(f"{echo.url}/api/addUser/1?userKey={SECRET}", data={"password": "pw", "custom1": "19/1", "note": SECRET})
    assert response.status_code == 200
    [call] = calls
    assert (call.method, call.status, call.system) == ("POST", 200, "test")
    assert call.path.startswith("/api/addUser/1") and SECRET not in call.path
    everything = f"{call.path} {call.request_summary} {call.response_summary}"
    assert SECRET not in everything and "pw" not in call.request_summary
    assert "custom1=19/1" in call.request_summary


def test_idempotent_calls_are_retried_on_503(echo):
    calls = []
    echo.app.fail_next(status=503)
    echo.app.fail_next(status=502)
    assert session(calls).get(f"{echo.url}/api/getTemplates").status_code == 200
    assert len(echo.app.requests) == 3


def test_posts_are_never_retried_at_the_http_layer(echo):
    echo.app.fail_next(status=503)
    assert session([]).post(f"{echo.url}/api/subscribe/1/2").status_code == 503
    assert len(echo.app.requests) == 1


def test_a_slow_server_times_out_and_the_failure_is_reported(echo):
    calls = []
    echo.app.fail_next(delay=1.5, status=200)
    with pytest.raises(requests.RequestException, match="timed out"):
        session(calls, read_timeout=0.3, retries=0).get(f"{echo.url}/api/getTemplates")
    assert calls[0].status is None and "timed out" in calls[0].error


def test_a_get_whose_answer_ends_late_is_retried_and_reported_as_one_call(echo):
    calls = []
    echo.app.fail_next(status=200, body="late", body_delay=0.6)
    response = session(calls, read_timeout=0.3).get(f"{echo.url}/api/getTemplates")
    assert response.status_code == 200 and response.json()["path"] == "/api/getTemplates"
    assert len(echo.app.requests) == 2
    [call] = calls
    assert (call.status, call.attempts, call.error) == (200, 2, "")


def test_late_answers_are_retried_a_bounded_number_of_times(echo):
    calls = []
    echo.app.fail_next(status=200, body="late", body_delay=0.6, times=10)
    with pytest.raises(requests.ConnectionError, match="timed out"):
        session(calls, read_timeout=0.3, retries=2).get(f"{echo.url}/api/getTemplates")
    assert len(echo.app.requests) == 3
    [call] = calls
    assert call.attempts == 3 and "timed out" in call.error


def test_a_post_whose_answer_ends_late_is_not_retried(echo):
    calls = []
    echo.app.fail_next(status=200, body="late", body_delay=0.6)
    with pytest.raises(requests.ConnectionError, match="timed out"):
        session(calls, read_timeout=0.3).post(f"{echo.url}/api/subscribe/1/2")
    assert len(echo.app.requests) == 1 and calls[0].attempts == 1


def test_the_retries_urllib3_makes_are_counted(echo):
    calls = []
    echo.app.fail_next(status=503, times=2)
    assert session(calls).get(f"{echo.url}/api/getTemplates").status_code == 200
    assert calls[0].attempts == 3


def test_redaction_covers_query_form_json_and_xml():
    text = "userKey=abc&x=1 {\"apiKey\": \"abc\"} <userKey>abc</userKey> <szPassword>pw</szPassword> token: abc"
    assert "abc" not in redact(text) and "pw" not in redact(text) and "x=1" in redact(text)


def test_redaction_covers_a_soap_token_header():
    text = ('<la:authToken loggedin="YES"><la:id type="xsd:string">4711</la:id>'
            '<la:uuid type="xsd:string">9F1C-77</la:uuid></la:authToken><Course>x</Course>')
    redacted = redact(text)
    assert "4711" not in redacted and "9F1C-77" not in redacted and "<Course>x</Course>" in redacted


# --- The door refuses: redirects, answers without end, calls without end (issue 19) ----------------------
@pytest.fixture
def elsewhere(start_sandbox):
    """The other host a redirect points to: it must never see a request."""
    return start_sandbox(EchoApp())


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_is_a_failure_naming_its_host_and_the_secrets_stay_home(echo, elsewhere, method):
    calls = []
    port = elsewhere.url.rpartition(":")[2]
    echo.app.fail_next(**hostile("redirect", location=f"http://localhost:{port}/steal?session=abc123"))
    with pytest.raises(RemoteError) as raised:
        session(calls, label="aNewSpring").request(
            method, f"{echo.url}/api/getTemplates", data={"password": SECRET})
    assert raised.value.message == "aNewSpring answered with a redirect to localhost: check TEST_URL."
    assert raised.value.status == 307 and not raised.value.retryable
    assert elsewhere.app.requests == [] and len(echo.app.requests) == 1
    [call] = calls
    audited = remote_call_fields(call)
    assert audited["outcome"] == "failure" and audited["http_status"] == 307
    assert "redirect to localhost" in audited["error"] and "abc123" not in str(audited)


def test_a_redirect_is_told_in_dutch_and_audited_in_english(echo):
    calls = []
    echo.app.fail_next(**hostile("redirect"))
    with translation.override("nl"), pytest.raises(RemoteError) as raised:
        session(calls, label="PE-online").post(f"{echo.url}/ProcessXML")
    assert raised.value.message == ("PE-online antwoordde met een doorverwijzing naar other-host.invalid: "
                                    "controleer TEST_URL.")
    assert calls[0].error == "PE-online answered with a redirect to other-host.invalid: check TEST_URL."


def test_a_redirect_raises_the_systems_own_error(echo):
    class SystemError(RemoteError):
        def __init__(self, message, *, status=None, retryable=False):
            super().__init__(message, system="test", status=status, retryable=retryable)

    echo.app.fail_next(**hostile("redirect", status=302))
    with pytest.raises(SystemError, match="redirect to other-host.invalid"):
        session([], error=SystemError).get(f"{echo.url}/api/getTemplates")


def test_an_answer_beyond_the_maximum_size_fails_plainly_without_being_held(echo):
    calls = []
    echo.app.fail_next(**hostile("huge"))  # a gigabyte
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(RemoteError, match="larger than 1 MB") as raised:
            session(calls, label="aNewSpring").get(f"{echo.url}/api/getTemplates")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5 and peak < 8 * 2**20, peak
    assert not raised.value.retryable and len(echo.app.requests) == 1
    [call] = calls
    assert call.status == 200 and "larger than 1 MB" in call.error and len(call.response_summary) <= 2000


def test_an_answer_within_the_maximum_size_is_read_whole(echo):
    body = '{"x": "' + "y" * (2**20 - 20) + '"}'
    echo.app.fail_next(status=200, body=body)
    assert session([]).get(f"{echo.url}/api/getTemplates").text == body


def test_a_trickling_answer_ends_at_the_deadline(echo):
    """One byte every 0.2 s never runs into the read timeout; 100 bytes would take 20 s."""
    calls = []
    echo.app.fail_next(**hostile("trickle", every=0.2))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout, match="deadline"):
        session(calls, read_timeout=0.5, deadline=1).get(f"{echo.url}/api/getTemplates")
    assert 0.9 < time.monotonic() - started < 2
    assert len(echo.app.requests) == 1, "past the deadline, no retry"
    assert calls[0].status is None and "deadline" in calls[0].error


def test_trickling_headers_end_at_the_deadline(echo):
    """The status line and headers a byte every 0.2 s: each wait is shorter than the read timeout."""
    calls = []
    echo.app.fail_next(**hostile("trickle", every=0.2, headers=True))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout, match="deadline"):
        session(calls, read_timeout=0.5, deadline=1).get(f"{echo.url}/api/getTemplates")
    assert 0.9 < time.monotonic() - started < 2
    assert len(echo.app.requests) == 1 and calls[0].status is None


def test_a_retry_after_beyond_the_cap_is_not_waited_for(echo):
    echo.app.fail_next(status=503, headers={"Retry-After": "40"})
    started = time.monotonic()
    assert session([], retry_after_cap=2).get(f"{echo.url}/api/getTemplates").status_code == 503
    assert time.monotonic() - started < 1 and len(echo.app.requests) == 1


def test_a_retry_after_within_the_cap_is_honoured(echo):
    echo.app.fail_next(status=503, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert session([], retry_after_cap=2).get(f"{echo.url}/api/getTemplates").status_code == 200
    assert time.monotonic() - started >= 1 and len(echo.app.requests) == 2


def test_retries_stop_before_the_deadline(echo):
    echo.app.fail_next(status=503, headers={"Retry-After": "1"}, times=5)
    started = time.monotonic()
    assert session([], deadline=1.5).get(f"{echo.url}/api/getTemplates").status_code == 503
    assert time.monotonic() - started < 1.5 and len(echo.app.requests) == 2


def test_a_post_never_waits_for_retry_after(echo):
    echo.app.fail_next(status=503, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert session([]).post(f"{echo.url}/api/subscribe/1/2").status_code == 503
    assert time.monotonic() - started < 1 and len(echo.app.requests) == 1


def test_an_answer_of_long_word_runs_is_summarised_in_no_time(echo):
    calls = []
    echo.app.fail_next(**hostile("word runs"))  # 6 MB of 32,000-character words holding "token"
    started = time.monotonic()
    assert session(calls, max_answer_bytes=8 * 2**20).get(f"{echo.url}/api/getTemplates").status_code == 500
    assert time.monotonic() - started < 2 and calls[0].response_summary.startswith("aaaa")


# --- Redaction: linear, and never a secret-named value --------------------------------------------------
def test_redaction_of_a_long_word_run_is_fast():
    """The old pattern took 25 s on this; the linear one takes milliseconds."""
    for text in ["a" * 16_000 + "token" + "a" * 16_000, ("a" * 500 + "token" + "b" * 500 + " ") * 2000,
                 "<token " * 100_000, "<authToken>" * 100_000, "<" + "a" * 32_000 + "key" * 3]:
        started = time.monotonic()
        redact(text)
        assert time.monotonic() - started < 1, text[:20]


def test_an_excerpt_redacts_a_secret_cut_in_two():
    text = "x" * 1995 + SECRET + " <userKey>" + "z" * 3000
    kept = excerpt(text, [SECRET])
    assert kept.startswith("x" * 1995 + REDACTED) and len(kept) == 2000 and SECRET[:4] not in kept
    assert excerpt("y" * 1990 + "<userKey>abcdefgh</userKey>") == "y" * 1990 + "<userKey>*"
    assert "abc" not in excerpt("y" * 1985 + "<userKey>abcdefgh</userKey>")


SECRET_NAMES_ = st.sampled_from(["apiKey", "X-API-Key", "userKey", "szPassword", "password", "client_secret",
                                 "authToken", "access-token", "uuid", "candidateUUID"])
XML_NAMES = st.sampled_from(["userKey", "szPassword", "token", "la:uuid", "apikey"])
FILLER = st.text(st.sampled_from("abcdefghij -&,.\n\t"), max_size=40)
VALUES = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), min_size=6, max_size=20).map(
    lambda v: f"V9{v}")


@st.composite
def secret_pairs(draw):
    value = draw(VALUES)
    form = draw(st.integers(0, 4))
    if form == 0:
        pair = f"{draw(SECRET_NAMES_)}={value}"
    elif form == 1:
        pair = f'"{draw(SECRET_NAMES_)}": "{value}"'
    elif form == 2:
        pair = f"{draw(SECRET_NAMES_)}: {value}"
    else:
        name = draw(XML_NAMES)
        attrs = ' type="xsd:string"' if form == 4 else ""
        pair = f"<{name}{attrs}>{value}</{name}>"
    return pair, value


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FILLER, secret_pairs()), min_size=1, max_size=20), FILLER)
def test_redaction_never_leaks_a_secret_named_value(pieces, tail):
    text = "".join(f"{filler} {pair} " for filler, (pair, _value) in pieces) + tail
    redacted = redact(text)
    for _filler, (_pair, value) in pieces:
        assert value not in redacted


@settings(max_examples=30, deadline=None)
@given(st.integers(1_000, 60_000), st.sampled_from(["key", "password", "secret", "token", "uuid"]),
       st.sampled_from(["", "=", "<", " "]))
def test_redaction_takes_linear_time(length, word, around):
    text = around + "a" * length + word + "b" * length + around
    started = time.monotonic()
    redact(text * 10)
    assert time.monotonic() - started < 1


# --- Settings: plain http refused in production, bad values stop the start ----------------------------
@pytest.mark.parametrize("url, refused", [
    ("http://lms.example.org/api", True),
    ("http://10.0.0.7:8000", True),
    ("https://lms.example.org/api", False),
    ("http://127.0.0.1:8001", False),  # the demo's and the tests' sandboxes
    ("http://localhost:8001", False),
    ("http://[::1]:8001", False),
    ("", False),
])
def test_check_deploy_refuses_a_plain_http_remote_address(settings, url, refused):
    settings.ANEWSPRING_URL, settings.PE_ONLINE_URL, settings.LEARNING_ASSISTANT_URL = url, "", ""
    errors = remote_urls_use_https()
    assert [e.id for e in errors] == (["portal.E110"] if refused else [])
    assert all("ANEWSPRING_URL" in e.msg for e in errors)


def test_check_deploy_names_the_setting_with_production_settings():
    address = "http://pe-online.example.org/WriteAttendance.asmx"
    result = manage("check", "--deploy", **PRODUCTION, PE_ONLINE_URL=address)
    assert result.returncode != 0
    assert "portal.E110" in result.stderr and "PE_ONLINE_URL is a plain http:// address" in result.stderr


@pytest.mark.parametrize("name, value, message", [
    ("HTTP_DEADLINE", "0", "HTTP_DEADLINE must be a positive number"),
    ("HTTP_DEADLINE", "soon", "could not convert"),
    ("HTTP_RETRY_AFTER_MAX", "-1", "HTTP_RETRY_AFTER_MAX must be a positive number"),
    ("ANEWSPRING_MAX_ANSWER_MB", "0", "ANEWSPRING_MAX_ANSWER_MB must be a positive number"),
    ("LEARNING_ASSISTANT_MAX_ANSWER_MB", "lots", "invalid literal"),
])
def test_bad_door_settings_stop_the_start(name, value, message):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0 and message in result.stderr, result.stderr[-500:]

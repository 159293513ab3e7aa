"""The shared session factory, against a real loopback server."""

import pytest
import requests

from portal.http import RemoteCall, build_session, redact
from sandbox.server import SandboxApp, SandboxResponse

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
               "max_answer_bytes": 2**20} | kwargs
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

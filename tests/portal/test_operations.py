"""What operators rely on: the load balancer's health endpoint and log lines carrying the correlation id."""

import io
import json
import logging
import socket
import time
import uuid

import pytest
from django.urls import reverse

from portal.audit import audit_context
from portal.logs import CorrelationIdFilter, JsonLinesFormatter
from tests.portal.test_settings import PRODUCTION, manage

REFUSED_BROKER = "redis://127.0.0.1:1/6"  # nothing listens on port 1


@pytest.mark.django_db
def test_health_answers_anyone_without_a_session_or_data(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "not configured"}
    assert "no-cache" in response["Cache-Control"] and not response.cookies


@pytest.mark.django_db
def test_health_checks_a_configured_broker(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    assert client.get(reverse("health")).json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_an_unreachable_broker_answers_503(client, settings):
    settings.CELERY_BROKER_URL = REFUSED_BROKER
    response = client.get(reverse("health"))
    assert response.status_code == 503 and response.json() == {"database": "ok", "broker": "down"}


@pytest.mark.django_db
def test_a_broker_that_never_answers_is_down_within_seconds(client, settings):
    """A broker that accepts the connection and then says nothing must not hold the load balancer's check."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/6"
        started = time.monotonic()
        response = client.get(reverse("health"))
    assert response.status_code == 503 and response.json()["broker"] == "down"
    assert time.monotonic() - started < 10


def test_an_unreachable_database_answers_503():
    code = "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    result = manage("shell", "-c", code, **{**PRODUCTION, "ALLOWED_HOSTS": "testserver",
                                             "DATABASE_URL": "sqlite:////nonexistent-directory/portal.sqlite3",
                                             "CELERY_BROKER_URL": ""})  # only the database is down here
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503" and json.loads(body) == {"database": "down", "broker": "not configured"}, result.stderr


def test_a_postgresql_host_that_never_answers_is_down_within_seconds():
    """A database host that takes the connection and says nothing (a hung server, a half-open
    firewall) must not hold the load balancer's check: the connect timeout ends the wait."""
    code = "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    with socket.create_server(("127.0.0.1", 0)) as silent:
        started = time.monotonic()
        result = manage("shell", "-c", code, **{
            **PRODUCTION, "ALLOWED_HOSTS": "testserver", "CELERY_BROKER_URL": "", "DATABASE_CONNECT_TIMEOUT": "1",
            "DATABASE_URL": f"postgres://portal@127.0.0.1:{silent.getsockname()[1]}/portal"})
        seconds = time.monotonic() - started
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503" and json.loads(body) == {"database": "down", "broker": "not configured"}, result.stderr
    assert seconds < 15, seconds


def test_health_is_exempt_from_the_https_redirect_and_the_rest_is_not():
    result = manage("shell", "-c", "from django.conf import settings; import re; "
                    "print([bool(re.match(p, 'healthz')) for p in settings.SECURE_REDIRECT_EXEMPT], "
                    "settings.SECURE_SSL_REDIRECT)", **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1] == "[True] True", result.stderr


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLinesFormatter())
    handler.addFilter(CorrelationIdFilter())
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_log_lines_carry_the_correlation_id_of_the_action(json_log):
    correlation_id = uuid.uuid4()
    with audit_context(actor="beat", correlation_id=correlation_id):
        logging.getLogger("portal.tests").warning("refresh stopped: %s", "aNewSpring busy")
    logging.getLogger("portal.tests").warning("outside any action")
    inside, outside = json_log()[-2:]
    assert inside["correlation_id"] == str(correlation_id) and inside["message"] == "refresh stopped: aNewSpring busy"
    assert inside["level"] == "WARNING" and inside["logger"] == "portal.tests"
    assert outside["correlation_id"] == "-"


@pytest.mark.django_db
def test_a_request_logs_under_its_own_correlation_id(client, json_log, settings):
    settings.ANEWSPRING_WEBHOOK_SECRET = "secret"
    client.post(reverse("anewspring_webhook"), "{}", content_type="application/json")
    refused, answered = json_log()[-2:]
    assert "signature" in refused["message"] and answered["message"] == "Forbidden: /webhooks/anewspring/"
    assert answered["correlation_id"] == refused["correlation_id"] != "-"


def test_an_exception_is_kept_in_its_line(json_log):
    try:
        raise ValueError("broken file")
    except ValueError:
        logging.getLogger("portal.tests").exception("import failed")
    assert "ValueError: broken file" in json_log()[-1]["exception"]


def test_log_format_json_writes_json_lines_from_the_settings():
    code = ("import logging, uuid; from portal.audit import audit_context\n"
            "with audit_context(actor='beat', correlation_id='6f1c1f64-3f7a-4a8e-9d53-2b8f0a7c9e10'):\n"
            "    logging.getLogger('portal').warning('hello')")
    result = manage("shell", "-c", code, LOG_FORMAT="json", **PRODUCTION)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["correlation_id"] == "6f1c1f64-3f7a-4a8e-9d53-2b8f0a7c9e10"


def test_text_logs_show_the_correlation_id_too():
    code = ("import logging; from portal.audit import audit_context\n"
            "with audit_context(actor='beat', correlation_id='6f1c1f64-3f7a-4a8e-9d53-2b8f0a7c9e10'):\n"
            "    logging.getLogger('portal').warning('hello')")
    result = manage("shell", "-c", code, **PRODUCTION)
    assert "[6f1c1f64-3f7a-4a8e-9d53-2b8f0a7c9e10] hello" in result.stderr

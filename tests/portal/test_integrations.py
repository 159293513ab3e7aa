"""The integrations registry as coordinators and operators meet it: the dashboard's slots and
**Test connection** button, and ``manage.py check_connections``."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal.integrations import import_hooks, integration_get
from portal.models import AuditEvent
from sandbox.anewspring import DEFAULT_API_KEY, AnewspringSandbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def anewspring(start_sandbox, settings):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    return sandbox


def check_connections() -> str:
    out = io.StringIO()
    call_command("check_connections", stdout=out)
    return out.getvalue()


def test_subscriptions_registers_anewspring_with_its_import_hook(anewspring):
    anewspring_integration = integration_get("anewspring")
    assert anewspring_integration.queue == "anewspring" and anewspring_integration.is_configured()
    assert anewspring_integration in import_hooks()


def test_check_connections_says_not_configured_and_succeeds():
    assert "aNewSpring: not configured" in check_connections()
    assert not AuditEvent.objects.exists()


def test_check_connections_calls_each_configured_system_once(anewspring):
    output = check_connections()
    assert "aNewSpring: ok. Connected: aNewSpring lists" in output
    assert [r.path for r in anewspring.app.requests] == ["/api/getTemplates"]
    test = AuditEvent.objects.get(action="integration.connection_test")
    assert (test.system, test.outcome, test.actor) == ("anewspring", "success", "command")
    call = AuditEvent.objects.get(action="remote_call")
    assert (call.http_method, call.http_status, call.correlation_id) == ("GET", 200, test.correlation_id)


def test_check_connections_fails_with_the_plain_reason(anewspring, settings):
    settings.ANEWSPRING_API_KEY = "wrong-key"
    with pytest.raises(CommandError, match="Connection failed: aNewSpring"):
        call_command("check_connections", stdout=(out := io.StringIO()))
    assert "aNewSpring: failed. aNewSpring refused the API key (HTTP 403)." in out.getvalue()
    test = AuditEvent.objects.get(action="integration.connection_test")
    assert test.outcome == "failure" and test.error.startswith("aNewSpring refused the API key (HTTP 403).")


def test_the_dashboard_offers_test_connection_for_a_configured_system(coordinator_client, coordinator, anewspring):
    page = coordinator_client.get(reverse("dashboard")).content.decode()
    assert f'action="{reverse("integration_connection_test", args=["anewspring"])}"' in page

    response = coordinator_client.post(reverse("integration_connection_test", args=["anewspring"]), follow=True)
    assert response.redirect_chain == [(reverse("dashboard"), 302)]
    assert "aNewSpring: Connected: aNewSpring lists" in response.content.decode()
    test = AuditEvent.objects.get(action="integration.connection_test")
    assert (test.actor_user_id, test.outcome) == (coordinator.pk, "success")


def test_a_failed_test_is_an_error_message(coordinator_client, anewspring, settings):
    settings.ANEWSPRING_API_KEY = "wrong-key"
    response = coordinator_client.post(reverse("integration_connection_test", args=["anewspring"]), follow=True)
    assert ("aNewSpring: the connection test failed: aNewSpring refused the API key (HTTP 403)."
            in response.content.decode())


def test_an_unconfigured_system_has_no_button(coordinator_client):
    page = coordinator_client.get(reverse("dashboard")).content.decode()
    assert 'data-integration="anewspring"' in page and "Test connection" not in page


def test_an_unknown_system_is_not_found(coordinator_client):
    assert coordinator_client.post(reverse("integration_connection_test", args=["nonesuch"])).status_code == 404

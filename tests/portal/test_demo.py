import socket

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from portal.models import AuditEvent, Course, Learner
from subscriptions.models import Subscription


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_demo_sets_up_users_learners_catalogue_and_results(settings, coordinator_group):
    settings.ANEWSPRING_URL = f"http://127.0.0.1:{free_port()}/api"
    settings.ANEWSPRING_API_KEY = "sandbox-key"
    call_command("demo", "--no-serve")
    call_command("demo", "--no-serve")  # running it again changes nothing

    coordinator = User.objects.get(username="coordinator")
    assert coordinator.check_password("coordinator-demo") and coordinator.groups.filter(pk=coordinator_group.pk).exists()
    assert User.objects.get(username="admin").is_superuser
    assert Learner.objects.filter(external_id__startswith="LEARNER-").count() == 5
    assert Course.objects.filter(external_id="EXAMPLECOURSE-0001").exists()
    example = Subscription.objects.get(learner__external_id="LEARNER-0001", course__external_id="EXAMPLECOURSE-0001")
    assert example.completed and example.progress == "2/2"
    assert AuditEvent.objects.filter(action="learner.create", actor="command").count() == 5


def test_production_settings_have_no_demo_and_no_sandbox():
    """The sandbox app (and its demo command) is installed with DEBUG only."""
    from tests.portal.test_settings import PRODUCTION, manage

    result = manage("demo", "--no-serve", **PRODUCTION)
    assert result.returncode != 0 and "Unknown command: 'demo'" in result.stderr
    result = manage("shell", "--no-imports", "-c", "from django.apps import apps; print(apps.is_installed('sandbox'))", **PRODUCTION)
    assert result.stdout.strip() == "False", result.stderr

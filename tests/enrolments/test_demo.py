import pytest
from django.core.management import call_command

from enrolments.models import ReferenceItem
from tests.portal.test_demo import free_port


@pytest.mark.django_db
def test_the_demo_starts_the_learning_assistant_sandbox_and_syncs_its_lists(settings, coordinator_group):
    settings.LEARNING_ASSISTANT_URL = f"http://127.0.0.1:{free_port()}"
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = "demo-user", "demo-password"
    call_command("demo", "--no-serve")
    assert ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS, active=True).count() == 2
    assert ReferenceItem.objects.filter(list_name=ReferenceItem.TRAINERS).count() == 3

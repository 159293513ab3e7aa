"""Syncing a group aNewSpring has already is no failure: the portal asks (groupExists) before addGroup, whose
409 would be audited as a failed call."""

import pytest

from portal.models import AuditEvent
from sandbox.anewspring import DEFAULT_API_KEY
from subscriptions.services.groups import learner_group_save, learner_group_sync
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def aws(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    return anewspring


def test_syncing_a_group_that_exists_in_anewspring_logs_no_failure(aws):
    # The sandbox's GRP-NURSES exists already.
    group = learner_group_save(group=None, data={"external_id": "GRP-NURSES", "name": "Nurses"},
                               members=[LearnerFactory(external_id="LEARNER-0002")])

    learner_group_sync(group=group)

    assert not AuditEvent.objects.filter(outcome=AuditEvent.OUTCOME_FAILURE).exists()
    assert not [r for r in aws.app.requests if r.path.startswith("/api/addGroup/")]
    assert AuditEvent.objects.get(action="group.sync").outcome == AuditEvent.OUTCOME_SUCCESS


def test_a_new_group_is_still_created(aws):
    group = learner_group_save(group=None, data={"external_id": "GRP-NEW", "name": "New"},
                               members=[LearnerFactory(external_id="LEARNER-0003")])

    learner_group_sync(group=group)

    assert "GRP-NEW" in aws.app.groups
    assert not AuditEvent.objects.filter(outcome=AuditEvent.OUTCOME_FAILURE).exists()

"""The fault matrix seen by a coordinator: the pages that call each system, under every fault.

Each page answers with a message (never a server error page: the test client re-raises any
exception a view lets through), the failure is in the audit log, and the portal's own records are
either fully updated (the call succeeded, perhaps after a safe retry) or untouched.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape
from django.utils import translation

from accreditation.models import Award
from enrolments.models import Enrolment, ProgressSnapshot
from enrolments.services import reference_sync
from portal.models import AuditEvent
from sandbox.anewspring import DEFAULT_API_KEY, DEMO_LEARNER_ID, AnewspringSandbox
from sandbox.learning_assistant import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    ENROLMENT_PATH,
    USERS_PATH,
    LearningAssistantSandbox,
)
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from subscriptions.models import Subscription
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh
from tests.accreditation.factories import AwardFactory
from tests.enrolments.test_views import enrol_data
from tests.factories import LearnerFactory
from tests.faults.test_fault_matrix import FAULTS, READ_TIMEOUT, _closed_port_url, _fault_kwargs

pytestmark = pytest.mark.django_db
SERVICE_FAULTS = [pytest.param(f, id=f.name) for f in FAULTS if not f.token_expired]
LA_FAULTS = [pytest.param(f, id=f.name) for f in FAULTS]


@pytest.fixture(autouse=True)
def english_and_fast(settings):
    settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT = 0.5, READ_TIMEOUT
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def _inject(sandbox, fault, system: str, path: str) -> str:
    """Make the sandbox misbehave; returns the address the portal should use."""
    if fault.refused:
        return _closed_port_url()
    if fault.token_expired:
        sandbox.app.advance(minutes=31)
    else:
        sandbox.app.fail_next(**_fault_kwargs(fault, system, path))
    return sandbox.url


def _shown(response) -> str:
    """The one message the page shows (success or error); there must be exactly one."""
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0].strip(), messages
    assert "<" not in messages[0] and "Traceback" not in messages[0]
    return messages[0]


def _failure_audited(system: str) -> bool:
    return AuditEvent.objects.filter(system=system, outcome=AuditEvent.OUTCOME_FAILURE).exists()


# --- aNewSpring -------------------------------------------------------------------------------------
@pytest.fixture
def aws(start_sandbox, settings):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    catalogue_sync()
    return sandbox


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_refreshing_a_learners_subscriptions(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/getResults")

    response = coordinator_client.post(reverse("learner_subscriptions_refresh", args=[learner.pk]), follow=True)

    message = _shown(response)
    stored = Subscription.objects.filter(learner=learner).count()
    if "refreshed" in message:
        assert stored == 2
    else:
        assert stored == 0 and _failure_audited("anewspring"), message


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_unsubscribing(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    subscription = Subscription.objects.filter(learner=learner).first()
    before = Subscription.objects.values().get(pk=subscription.pk)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/unsubscribe")

    response = coordinator_client.post(reverse("subscription_unsubscribe", args=[subscription.pk]), follow=True)

    message = _shown(response)
    after = Subscription.objects.values().get(pk=subscription.pk)
    if "is unsubscribed" in message:
        assert after != before
    else:
        assert after == before and _failure_audited("anewspring"), message


# --- Learning Assistant ----------------------------------------------------------------------------------
@pytest.fixture
def la(start_sandbox, settings):
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    reference_sync()
    return sandbox


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_enrolling_a_learner(fault, la, settings, coordinator_client):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org")
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", ENROLMENT_PATH)

    response = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)

    if Enrolment.objects.filter(learner=learner).exists():
        assert response.status_code == 200
    else:  # the form comes back with everything typed and the reason
        assert response.status_code == 200 and response.context["form"].data["surname"] == "Khan"
        assert response.context["form"].non_field_errors() or response.context["messages"]
        assert _failure_audited("learning_assistant")


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_pulling_progress(fault, la, settings, coordinator_client):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org")
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)
    enrolment = Enrolment.objects.get(learner=learner)
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", USERS_PATH)

    response = coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]), follow=True)

    message = _shown(response)
    pulls = ProgressSnapshot.objects.filter(enrolment=enrolment).count()
    if message.startswith("Progress pulled"):
        assert pulls == 1
    else:
        assert pulls == 0 and _failure_audited("learning_assistant"), message


# --- PE-online --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_submitting_due_awards(fault, start_sandbox, settings, coordinator_client,
                               django_capture_on_commit_callbacks):
    sandbox = start_sandbox(PEOnlineSandbox.with_demo_data())
    settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = DEFAULT_USER_ID, DEFAULT_USER_KEY
    award = AwardFactory(pe_type=1, pe_course_id="9471", person_number="39054148101", org_id=19)
    settings.PE_ONLINE_URL = _inject(sandbox, fault, "pe_online", "ProcessXML") + BASE_PATH

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("awards_submit"), follow=True)
    assert response.status_code == 200

    award.refresh_from_db()
    page = coordinator_client.get(reverse("award_detail", args=[award.pk]))
    assert page.status_code == 200
    assert award.status in (Award.ACCEPTED, Award.FAILED, Award.UNKNOWN), award.status
    if award.status != Award.ACCEPTED:
        assert award.message and escape(award.message) in page.content.decode()  # the reason, on the award's page
        assert _failure_audited("pe_online")

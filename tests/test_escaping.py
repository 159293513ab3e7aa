"""HTML and script typed into any learner field are shown as text on every page, and exports cannot run them."""

import csv
import io

import pytest
from django.urls import reverse

from portal.audit import audit_context, audit_record
from portal.models import AuditEvent, Course, Job, Learner
from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS, AnewspringSandbox
from subscriptions.services.catalogue import catalogue_sync
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from tests.subscriptions.factories import LearnerGroupFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
SCRIPT = "<script>x</script>"  # short enough for the shortest learner field (20 characters)
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
TEXT_FIELDS = ["external_id", "login", "first_name", "middle_name", "last_name", "company", "gender", "title",
               "initials", "function", "telephone_number", "cell_phone_number", "address", "zip", "residence",
               "country", "custom1"]


@pytest.fixture
def hostile(start_sandbox, settings, django_capture_on_commit_callbacks):
    """A learner with script in every text field, subscribed (in a job), awarded, enrolled, grouped and audited."""
    anewspring = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    catalogue_sync()
    learner = Learner.objects.create(**{field: f"{SCRIPT}{n}" for n, field in enumerate(TEXT_FIELDS)})
    learner.email = "script@example.org"
    learner.save()
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[0])
    objects = {"learner": learner, "subscription": SubscriptionFactory(learner=learner, course=course),
               "award": AwardFactory(learner=learner, message=SCRIPT),
               "enrolment": EnrolmentFactory(learner=learner),
               "group": LearnerGroupFactory(name=SCRIPT)}
    objects["group"].members.add(learner)
    with audit_context(actor=SCRIPT, learner=learner):
        objects["event"] = audit_record(action="learner_update", learner=learner, summary=f"changed {SCRIPT}",
                                        changes={"first_name": {"before": SCRIPT, "after": SCRIPT}})
    return objects


def _job(client, learner, hostile):
    with_name = Learner.objects.create(external_id="NEW-9", first_name=SCRIPT, last_name=SCRIPT)
    client.post(reverse("subscribe"), {"learners": [learner.pk, with_name.pk],
                                       "course": hostile["subscription"].course.pk})
    return Job.objects.get(kind="subscriptions_bulk")


def _pages(client, hostile):
    learner = hostile["learner"]
    return {
        "learner list": reverse("learner_list") + "?q=script",
        "learner page": reverse("learner_detail", args=[learner.pk]),
        "learner form": reverse("learner_edit", args=[learner.pk]),
        "subscriptions": reverse("learner_subscriptions", args=[learner.pk]),
        "results": reverse("subscription_results", args=[hostile["subscription"].pk]),
        "subscribe": reverse("subscribe"),
        "subscription list": reverse("subscription_list"),
        "audit list": reverse("audit_list"),
        "audit event": reverse("audit_detail", args=[hostile["event"].pk]),
        "awards": reverse("award_list"),
        "award": reverse("award_detail", args=[hostile["award"].pk]),
        "enrolments": reverse("enrolment_list"),
        "enrolment": reverse("enrolment_detail", args=[hostile["enrolment"].pk]),
        "groups": reverse("group_list"),
        "group": reverse("group_edit", args=[hostile["group"].pk]),
        "bulk enrol": reverse("enrolment_bulk"),
        "job": reverse("job_detail", args=[_job(client, learner, hostile).pk]),
    }


def test_every_page_shows_learner_fields_as_text(coordinator_client, hostile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pages = _pages(coordinator_client, hostile)
    for label, url in pages.items():
        response = coordinator_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, label
        assert SCRIPT not in html, f"{label}: unescaped script"
        assert ESCAPED in html, f"{label}: the learner's field is not shown at all"


@pytest.mark.parametrize("export", ["audit_export", "subscription_export", "award_export"])
def test_an_export_is_a_download_whose_cells_cannot_run(coordinator_client, hostile, export):
    with audit_context(actor="import"):
        audit_record(action="learner_update", learner=hostile["learner"], summary='=HYPERLINK("https://evil.example")')
    hostile["learner"].email = "=1+1@example.org"  # a formula for the subscription export
    hostile["learner"].save()
    response = coordinator_client.get(reverse(export))
    assert response["Content-Type"].startswith("text/csv") and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    cells = [cell for row in csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
             for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@"}]
    assert any(SCRIPT in cell for cell in cells)  # kept as plain text: a CSV reader never renders it
    assert AuditEvent.objects.filter(summary__startswith="=HYPERLINK").exists()

"""A page rendered in Dutch shows no sentence of the English catalogue that has a Dutch translation."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accreditation.models import Award
from accreditation.rules import NO_REGISTRATION
from portal.models import Job
from portal.texts import _msgids, stored_shown, text_result
from tests.accreditation.factories import AwardFactory
from tests.factories import AuditEventFactory, CourseFactory, JobFactory, LearnerFactory

# A sentence: a few words, not a name or a code ("Learning Assistant"), nor the language picker's "English".
WORDS = 3


def _english_sentences() -> dict[str, str]:
    """English msgid -> its Dutch translation, for each text of a few words without placeholders."""
    mo = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES" / "django.mo"
    found = {}
    with translation.override("nl"):
        for msgid in _msgids(mo.read_bytes()):
            if not msgid or "\x00" in msgid or re.search(r"%\(|\{\w*\}|%s|%d|<", msgid):
                continue
            if len(msgid.split()) >= WORDS and translation.gettext(msgid) != msgid:
                found[msgid] = translation.gettext(msgid)
    return found


def _visible(page: str) -> str:
    """The text a reader sees (and the titles, placeholders and labels a screen reader says), one line each."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    attributes = re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", "\n", page)
    return "\n".join([html.unescape(text), *map(html.unescape, attributes)])


def _english_in(page: str, sentences: dict[str, str]) -> list[str]:
    """The English sentences in ``page``, and its lines that are an English text with placeholders filled in
    ("5 subscribed, ...", "jan signed in"): those the display of stored English would translate."""
    shown = re.sub(r"[ \t]+", " ", _visible(page))
    found = [msgid for msgid, dutch in sentences.items() if msgid in shown and msgid not in dutch]
    with translation.override("nl"):
        found += [line for line in map(str.strip, shown.split("\n"))
                  if len(line.split()) >= WORDS and stored_shown(line) != line]
    return found


@pytest.fixture
def data(coordinator):
    learner = LearnerFactory()
    course = CourseFactory()
    AuditEventFactory(action="auth.login", actor=coordinator.username, summary=f"{coordinator.username} signed in")
    AuditEventFactory(action="subscription.results", learner=learner, course=course,
                      summary="3 activity results changed")
    award = AwardFactory(status=Award.BLOCKED, message=NO_REGISTRATION, learner=learner)
    job = JobFactory(kind="subscriptions_bulk", status=Job.SUCCEEDED, created_by=coordinator, total=6, done=6,
                     result={**text_result("subscriptions.bulk", subscribed=5, already=1, failed=0, skipped=0),
                             "outcomes": [], "counts": {}, "course_id": course.pk})
    return {"learner": learner, "award": award, "job": job, "course": course}


MAIN_PAGES = [
    ("dashboard", None), ("worklist", None), ("learner_list", None), ("learner_create", None),
    ("learner_detail", "learner"), ("audit_list", None), ("job_list", None), ("job_detail", "job"),
    ("award_list", None), ("award_detail", "award"), ("subscription_list", None), ("subscribe", None),
    ("catalogue", None), ("group_list", None), ("enrolment_list", None), ("accreditation_templates", None),
    ("password_change", None), ("learner_subscriptions", "learner"), ("enrolment_reference", None),
    ("awards_resend", None), ("learner_custom1_explain", None), ("import_upload", None), ("group_create", None),
]


def test_no_english_sentence_in_the_main_pages_in_dutch(coordinator_client, data):
    sentences = _english_sentences()
    assert len(sentences) > 300  # the catalogue was read
    found = {}
    for name, obj in MAIN_PAGES:
        url = reverse(name, args=[data[obj].pk]) if obj else reverse(name)
        response = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
        assert response.status_code == 200, name
        if english := _english_in(response.text, sentences):
            found[name] = english
    assert not found


def test_the_check_finds_english(coordinator_client, data):
    """The test above can fail: an English page is full of what it looks for."""
    page = coordinator_client.get(reverse("learner_list"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Skip to content" in _english_in(page, _english_sentences())
    page = coordinator_client.get(reverse("audit_list"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "3 activity results changed" in _english_in(page, {})

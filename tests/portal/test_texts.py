"""Texts stored as a code plus parameters (job results) render in the reader's language, with plural forms."""

import inspect
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.jobs import job_create
from portal.models import Job
from portal.texts import text_later, text_render, text_result, texts_registered
from tests.factories import JobFactory


def _params(render, count):
    """Every parameter of a text set to ``count`` (the names a text shows then read as the number)."""
    return {name: count for name in inspect.signature(render).parameters}


def test_every_text_renders_with_counts_1_and_2_in_both_languages():
    texts = texts_registered()
    assert len(texts) >= 10  # every job handler's result registers its text on import
    for code, render in texts.items():
        for count in (1, 2):
            shown = {}
            for language in ("en", "nl"):
                with translation.override(language):
                    shown[language] = render(**_params(render, count))
                assert str(count) in shown[language], (code, language)
                assert not re.search(r"%\(|\{\w+\}", shown[language]), (code, language, shown[language])
            assert shown["nl"] != shown["en"], f"{code} has no Dutch translation: {shown['en']}"


@pytest.mark.parametrize(("code", "params", "one", "two"), [
    ("imports.applied", {"updated": 0}, "1 cursist aangemaakt", "2 cursisten aangemaakt"),
    ("accreditation.rules", {}, "1 toekenning gemaakt.", "2 toekenningen gemaakt."),
    ("learning_assistant.reference_sync", {}, "1 lijst gesynchroniseerd.", "2 lijsten gesynchroniseerd."),
])
def test_dutch_plural_forms(code, params, one, two):
    render = texts_registered()[code]
    name = next(name for name in inspect.signature(render).parameters if name not in params)
    with translation.override("nl"):
        assert render(**{name: 1, **params}).startswith(one)
        assert render(**{name: 2, **params}).startswith(two)
    with translation.override("en"):
        assert "1 learner created;" in texts_registered()["imports.applied"](created=1, updated=2)


def test_the_stored_summary_is_english_and_the_page_shows_the_readers_language():
    with translation.override("nl"):  # whatever language the worker runs in
        result = text_result("subscriptions.bulk", subscribed=5, already=1, failed=0, skipped=0)
    assert result["summary"] == "5 subscribed, 1 already subscribed, 0 failed, 0 not attempted."
    with translation.override("nl"):
        assert text_render(result) == "5 ingeschreven, 1 al ingeschreven, 0 mislukt, 0 niet geprobeerd."


def test_results_stored_before_the_codes_still_read():
    assert text_render({"summary": "Learners created: 32; updated: 0."}) == "Learners created: 32; updated: 0."
    assert text_render({"summary": "old", "text": {"code": "imports.applied", "params": {"made": 1}}}) == "old"
    assert text_render({"summary": "old", "text": {"code": "gone", "params": {}}}) == "old"
    assert text_render(None) == ""


def test_a_remote_note_is_kept_after_the_translated_summary():
    result = {**text_result("imports.applied", created=1, updated=0), "note": "aNewSpring is not configured."}
    with translation.override("nl"):
        assert text_render(result) == "1 cursist aangemaakt; 0 cursisten bijgewerkt. aNewSpring is not configured."


def test_job_page_in_dutch_shows_the_result_in_dutch(coordinator_client):
    job = JobFactory(kind="learning_assistant_bulk_enrol", status=Job.SUCCEEDED, total=3, done=3,
                     result={**text_result("learning_assistant.bulk_enrol", enrolled=2, already=1, failed=0),
                             "outcomes": [], "counts": {}})
    page = coordinator_client.get(reverse("job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="nl").text
    assert "2 aangemeld, 1 al aangemeld, 0 mislukt." in page
    assert "2 enrolled" not in page


def test_a_job_title_is_kept_in_english_and_shown_in_the_readers_language(coordinator_client, coordinator):
    def title():
        return _("Subscribe %(what)s to %(course)s") % {
            "what": ngettext("%(count)d learner", "%(count)d learners", 1) % {"count": 1}, "course": "EHBO"}

    with translation.override("nl"):  # the coordinator who starts it reads Dutch
        job = job_create(kind="subscriptions_bulk", title=text_later(title), params={}, user=coordinator, total=0,
                         correlation_id=uuid.uuid4())
    assert job.title == "Subscribe 1 learner to EHBO"
    dutch = coordinator_client.get(reverse("job_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    assert "1 cursist inschrijven voor EHBO" in dutch
    english = coordinator_client.get(reverse("job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Subscribe 1 learner to EHBO" in english

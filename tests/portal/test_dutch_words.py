"""Dutch words the issue asked for: signing in is not enrolling, the dropdowns' empty choices, and the English
that stores keep (audit summaries, award reasons) shown in Dutch."""

from django import forms
from django.urls import reverse
from django.utils import translation

from accreditation.models import Award
from accreditation.rules import NO_REGISTRATION
from accreditation.services import WITHDRAWN_REASON
from portal.actions import action_label
from portal.models import Learner
from portal.texts import stored_shown
from tests.accreditation.factories import AwardFactory
from tests.factories import AuditEventFactory


def test_sign_in_words_are_not_the_enrolment_words():
    with translation.override("nl"):
        assert [action_label(code) for code in ("auth.login", "auth.login_failed", "auth.logout")] == [
            "Ingelogd", "Inloggen geweigerd", "Uitgelogd"]
        for code in ("auth.login", "auth.login_failed", "auth.logout"):
            assert "aanmeld" not in action_label(code).lower() and "afmeld" not in action_label(code).lower()


def test_the_audit_log_in_dutch_says_ingelogd(client, coordinator):
    client.force_login(coordinator)  # audited as a sign-in
    page = client.get(reverse("audit_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    assert "Ingelogd" in page and ">Aangemeld<" not in page  # "Aangemeld in Learning Assistant" is an enrolment


def test_a_filters_empty_choice_is_all_in_the_readers_language(coordinator_client):
    page = coordinator_client.get(reverse("job_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    assert '<option value="" selected>Alle</option>' in page
    assert "---------" not in page


def test_a_forms_empty_choice_is_dutch():
    field = forms.ModelChoiceField(queryset=Learner.objects.none())
    with translation.override("nl"):
        assert list(field.choices)[0] == ("", "- Kies een optie -")


# --- English kept in a store, shown translated ------------------------------------------------------------
def test_stored_english_is_shown_in_the_readers_language():
    with translation.override("nl"):
        assert stored_shown("jan signed in") == "jan is ingelogd"
        assert stored_shown("1 activity result changed") == "1 activiteitsresultaat gewijzigd"
        assert stored_shown("4 activity results changed") == "4 activiteitsresultaten gewijzigd"
        assert stored_shown("Changed email, phone of Piet") == "email, phone van Piet gewijzigd"
        assert stored_shown(NO_REGISTRATION) == "Geen PE-registratie voor deze OrgID in Custom1 van de cursist."
        # A note added to a known reason: each line on its own; a remote system's text as it came.
        assert stored_shown(f"{WITHDRAWN_REASON}\nPE-online zegt: nee") == (
            "Ingetrokken: de PE-ID's gelden niet meer na een wijziging van de PE-configuratie.\nPE-online zegt: nee")
        # A job's result as the log keeps it (job.finish)
        assert stored_shown("5 subscribed, 1 already subscribed, 0 failed, 0 not attempted.") == (
            "5 ingeschreven, 1 al ingeschreven, 0 mislukt, 0 niet geprobeerd.")
        assert stored_shown("The 1 event is intact; the chain ends at 1 with hash ab.") == (
            "De 1 gebeurtenis is intact; de keten eindigt bij 1 met hash ab.")
        assert stored_shown("GET /api/users/17") == "GET /api/users/17"
        assert stored_shown("") == ""
    with translation.override("en"):
        assert stored_shown("jan signed in") == "jan signed in"


def test_the_blocked_awards_reason_is_dutch_on_its_page(coordinator_client):
    award = AwardFactory(status=Award.BLOCKED, message=NO_REGISTRATION)
    page = coordinator_client.get(reverse("award_detail", args=[award.pk]), HTTP_ACCEPT_LANGUAGE="nl").text
    assert "Geen PE-registratie voor deze OrgID" in page and NO_REGISTRATION.replace("'", "&#x27;") not in page


def test_audit_summaries_stay_english_in_the_log_and_read_dutch(coordinator_client, coordinator):
    event = AuditEventFactory(action="auth.login", summary=f"{coordinator.username} signed in")
    page = coordinator_client.get(reverse("audit_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    assert f"{coordinator.username} is ingelogd" in page
    detail = coordinator_client.get(reverse("audit_detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="nl").text
    assert f"{coordinator.username} is ingelogd" in detail
    event.refresh_from_db()
    assert event.summary == f"{coordinator.username} signed in"


def test_summaries_once_written_as_plain_english_are_in_the_catalogue_now():
    with translation.override("nl"):
        assert stored_shown("External ID L-7 made by the portal") == "Externe ID L-7 aangemaakt door het portaal"
        assert stored_shown("Event EHBO 3 imported from events.csv") == "Evenement EHBO 3 geïmporteerd uit events.csv"


def test_an_award_made_in_a_dutch_request_is_logged_in_english_and_read_in_dutch():
    with translation.override("nl"):
        assert stored_shown("PE-online award (event): blocked: no PE number") == (
            "PE-online-toekenning (evenement): geblokkeerd: geen PE-nummer")

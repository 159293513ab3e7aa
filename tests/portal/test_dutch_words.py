"""Dutch words the issue asked for: signing in is not enrolling, and the dropdowns' empty choices are Dutch."""

from django import forms
from django.urls import reverse
from django.utils import translation

from portal.actions import action_label
from portal.models import Learner


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

import pytest
from django.urls import reverse

from portal.collation import sort_key
from portal.models import AuditEvent, Learner
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

FORM = {"first_name": "Jérôme", "middle_name": "van", "last_name": "Müller-Öztürk", "email": "jerome@example.org",
        "external_id": "EXT-1", "login": "jerome", "custom1": "19/39054148101, 52/123456", "active": "on"}


def test_creating_a_learner_parses_custom1_and_audits_it(coordinator_client, coordinator):
    response = coordinator_client.post(reverse("learner_create"), FORM, follow=True)
    learner = Learner.objects.get(external_id="EXT-1")
    assert response.redirect_chain[-1][0] == learner.get_absolute_url()
    assert [(r.org_id, r.number, r.kind, r.check_digit_ok) for r in learner.pe_registrations.all()] == [
        (19, "39054148101", "big", True), (52, "123456", "register", None)]
    event = AuditEvent.objects.get(action="learner.create")
    assert event.actor == coordinator.username and event.learner == learner
    assert event.changes["last_name"] == {"before": None, "after": "Müller-Öztürk"}
    assert "Müller-Öztürk" in response.content.decode()
    assert "Learner created" in response.content.decode()  # on the learner's timeline, by its label


def test_a_bad_custom1_pair_is_explained_and_nothing_is_saved(coordinator_client):
    response = coordinator_client.post(reverse("learner_create"), {**FORM, "custom1": "19/3905414810x"})
    assert response.status_code == 200
    assert "is not OrgID/number" in response.content.decode()
    assert not Learner.objects.exists() and not AuditEvent.objects.exists()


def test_a_big_number_failing_the_check_digit_is_saved_with_a_warning(coordinator_client):
    response = coordinator_client.post(reverse("learner_create"), {**FORM, "custom1": "19/49054148101"}, follow=True)
    assert Learner.objects.get().pe_registrations.get().check_digit_ok is False
    assert "check digit does not match" in response.content.decode()


def test_a_learner_without_external_id_gets_one_made_by_the_portal(coordinator_client):
    response = coordinator_client.post(reverse("learner_create"), {**FORM, "external_id": "", "login": "ann"})
    learner = Learner.objects.get()
    assert learner.external_id.startswith("PORTAL-") and learner.external_id != "ann"
    assert learner.external_id_generated
    page = coordinator_client.get(response.url).content.decode()
    assert learner.external_id in page and "made by the portal" in page
    assert "the portal made this one" in page

    # Stable: editing the learner keeps it; giving a real one replaces it and drops the mark.
    edit = {**FORM, "external_id": learner.external_id, "login": "ann", "email": "ann@example.org"}
    coordinator_client.post(reverse("learner_edit", args=[learner.pk]), edit)
    learner.refresh_from_db()
    assert learner.external_id_generated and learner.external_id == edit["external_id"]
    coordinator_client.post(reverse("learner_edit", args=[learner.pk]), {**edit, "external_id": "HR-77"})
    learner.refresh_from_db()
    assert (learner.external_id, learner.external_id_generated) == ("HR-77", False)


def test_the_external_id_of_a_learner_known_in_anewspring_cannot_be_changed(coordinator_client):
    learner = LearnerFactory(external_id="EXT-9", uid="uid-9")
    data = {**FORM, "external_id": "OTHER", "login": learner.login}
    coordinator_client.post(reverse("learner_edit", args=[learner.pk]), data)
    learner.refresh_from_db()
    assert learner.external_id == "EXT-9"


def test_duplicate_external_ids_are_refused(coordinator_client):
    LearnerFactory(external_id="EXT-1")
    response = coordinator_client.post(reverse("learner_create"), FORM)
    assert response.status_code == 200 and Learner.objects.count() == 1


def test_editing_records_before_and_after(coordinator_client):
    learner = LearnerFactory(email="old@example.org", custom1="")
    data = {**FORM, "external_id": learner.external_id, "login": learner.login, "email": "new@example.org"}
    coordinator_client.post(reverse("learner_edit", args=[learner.pk]), data)
    event = AuditEvent.objects.get(action="learner.update")
    assert event.changes["email"] == {"before": "old@example.org", "after": "new@example.org"}
    assert event.changes["custom1"]["after"] == "19/39054148101, 52/123456"
    assert learner.pe_registrations.count() == 2


def test_saving_without_changes_records_nothing(coordinator_client):
    learner = LearnerFactory(custom1="", middle_name="")
    data = {"first_name": learner.first_name, "last_name": learner.last_name, "email": learner.email,
            "external_id": learner.external_id, "login": learner.login, "active": "on"}
    coordinator_client.post(reverse("learner_edit", args=[learner.pk]), data)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("query", ["Öztürk", "jerome@example", "EXT-1", "39054148101", "19/39054148101"])
def test_search_finds_learners_by_name_email_id_and_big_number(coordinator_client, query):
    coordinator_client.post(reverse("learner_create"), FORM)
    LearnerFactory(first_name="Someone", last_name="Else")
    page = coordinator_client.get(reverse("learner_list"), {"q": query})
    assert [str(learner) for learner in page.context["table"].data] == ["Jérôme van Müller-Öztürk"]


def test_the_list_sorts_and_paginates(coordinator_client):
    LearnerFactory.create_batch(30)
    page = coordinator_client.get(reverse("learner_list"), {"sort": "-name", "page": 2})
    assert len(page.context["table"].page.object_list) == 5
    names = [r.record.last_name for r in coordinator_client.get(reverse("learner_list"), {"sort": "name"}).context["table"].page.object_list]
    assert names == sorted(names, key=sort_key)  # as people sort names: "de Kok" among the K's


def test_custom1_is_explained_while_typing(coordinator_client):
    page = coordinator_client.get(reverse("learner_custom1_explain"), {"custom1": "19/49054148101, 52/123456, x"},
                                  headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "OrgID 19, number 49054148101" in text and "check digit does not match" in text
    assert "OrgID 52, number 123456" in text and "registration number" in text
    assert "&#x27;x&#x27; is not OrgID/number" in text


def test_learners_without_external_id_get_one_when_the_portal_is_upgraded(db):
    """The data migration: aNewSpring's user stays linked for learners it knew under their login."""
    from importlib import import_module

    from django.apps import apps

    from portal.audit import audit_record

    migration = import_module("portal.migrations.0005_learner_external_id_generated")
    linked = LearnerFactory(external_id=None, login="linked", uid="uid-1")
    pushed = LearnerFactory(external_id=None, login="pushed")
    audit_record(action="learner.anewspring_push", learner=pushed)
    never_sent = LearnerFactory(external_id=None, login="never-sent")
    LearnerFactory(external_id="taken")
    clash = LearnerFactory(external_id=None, login="taken", uid="uid-2")  # its login is another's external ID
    migration.external_ids_fill(apps, None)
    for learner in (linked, pushed, never_sent, clash):
        learner.refresh_from_db()
    assert [(linked.external_id, linked.external_id_generated), (pushed.external_id, pushed.external_id_generated)] \
        == [("linked", False), ("pushed", False)]
    assert never_sent.external_id.startswith("PORTAL-") and never_sent.external_id_generated
    assert clash.external_id.startswith("PORTAL-")
    assert not Learner.objects.filter(external_id__isnull=True).exists()

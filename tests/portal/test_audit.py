"""The audit log is append-only: no page, admin action, model or query may change or delete it."""

import csv
import io

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from portal.audit import audit_context, audit_record
from portal.models import AuditEvent
from tests.factories import AuditEventFactory, LearnerFactory

pytestmark = pytest.mark.django_db


def test_saved_events_cannot_be_changed_or_deleted_through_the_orm():
    event = AuditEventFactory()
    event.summary = "rewritten history"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Changed email"


def test_the_database_refuses_raw_sql_changes():
    event = AuditEventFactory()
    refused = ["UPDATE portal_auditevent SET summary = 'x' WHERE id = %s"]
    if connection.vendor == "postgresql":  # SQLite keeps DELETE for the test suite's own clean-up
        refused.append("DELETE FROM portal_auditevent WHERE id = %s")
    for sql in refused:
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "Changed email"


def test_the_admin_offers_no_way_to_change_or_delete(admin_client_):
    event = AuditEventFactory()
    change_url = reverse("admin:portal_auditevent_change", args=[event.pk])
    page = admin_client_.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client_.post(change_url, {"summary": "x"}).status_code == 403
    delete_url = reverse("admin:portal_auditevent_delete", args=[event.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:portal_auditevent_changelist")
    admin_client_.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert admin_client_.get(reverse("admin:portal_auditevent_add")).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, summary="Changed email").exists()


def test_no_portal_page_accepts_a_change_to_an_event(coordinator_client):
    event = AuditEventFactory()
    for url in (reverse("audit_detail", args=[event.pk]), reverse("audit_list")):
        assert coordinator_client.post(url, {"summary": "x"}).status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).summary == "Changed email"


def test_events_of_one_action_share_actor_and_correlation_id(coordinator):
    learner = LearnerFactory()
    with audit_context(user=coordinator, learner=learner) as ctx:
        first = audit_record(action="one")
        second = audit_record(action="two")
    assert first.correlation_id == second.correlation_id == ctx.correlation_id
    assert first.actor == coordinator.username and first.learner == learner
    with audit_context(actor="beat"):
        assert audit_record(action="three").correlation_id != ctx.correlation_id


def test_filters_narrow_the_list(coordinator_client):
    mine = AuditEventFactory(actor="alice", action="learner.create")
    AuditEventFactory(actor="bob", action="learner.update", outcome="failure")
    page = coordinator_client.get(reverse("audit_list"), {"actor": "alice"})
    assert list(page.context["table"].data) == [mine]
    page = coordinator_client.get(reverse("audit_list"), {"outcome": "failure"})
    assert [e.actor for e in page.context["table"].data] == ["bob"]
    page = coordinator_client.get(reverse("audit_list"), {"learner": mine.learner_id})
    assert list(page.context["table"].data) == [mine]


def test_csv_export_is_safe_to_open_in_excel(coordinator_client):
    AuditEventFactory(summary="=HYPERLINK(\"http://evil\")", actor="@admin", action="-2+3", learner=LearnerFactory(first_name="Jérôme"))
    response = coordinator_client.get(reverse("audit_export"))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["Summary"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[0]["Actor"] == "'@admin" and rows[0]["Action"] == "'-2+3"
    assert "Jérôme" in rows[0]["Learner"]
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_export_has_no_formula_however_a_spreadsheet_splits_it(coordinator_client, separator):
    AuditEventFactory(summary="Ann;=2+2", actor="bob, @SUM(A1)", action="x;-2+cmd|' /C calc'!A0")
    body = b"".join(coordinator_client.get(reverse("audit_export")).streaming_content).decode("utf-8-sig")
    header, line = body.splitlines()
    assert line.startswith('"') and '"Ann;\'=2+2"' in line  # every text cell quoted
    # Split as a careless reader would, ignoring the quotes: still no piece starts a formula.
    pieces = [piece.strip().strip('"').strip() for piece in line.split(separator)]
    assert not [piece for piece in pieces if piece[:1] in ("=", "@") or piece[:2] == "-2"]


def test_the_audit_pages_show_action_labels_in_the_readers_language(coordinator_client):
    call = AuditEventFactory(action="remote_call", learner=None)
    AuditEventFactory(action="retired.code", learner=None)
    english = coordinator_client.get(reverse("audit_list")).content.decode()
    assert "Remote call" in english and "retired.code" in english  # an unknown code is shown as itself
    dutch = coordinator_client.get(reverse("audit_list"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Externe aanroep" in dutch and "Remote call" not in dutch
    detail = coordinator_client.get(reverse("audit_detail", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Externe aanroep" in detail.content.decode() and "<code>remote_call</code>" in detail.content.decode()


def test_the_action_filter_offers_the_registered_actions_by_label(coordinator_client):
    changed = AuditEventFactory(action="learner.update")
    AuditEventFactory(action="learner.create")
    page = coordinator_client.get(reverse("audit_list"), {"action": "learner.update"})
    choices = dict(page.context["filter"].form.fields["action"].choices)
    assert choices["learner.update"] == "Learner changed" and choices["subscription.create"] == "Subscribed"
    assert list(page.context["table"].data) == [changed]


def test_summaries_are_stored_in_english_whatever_language_the_user_speaks():
    with translation.override("nl"):
        event = audit_record(action="remote_call", summary=gettext_lazy("Remote call"), error=gettext_lazy("Learner"))
        assert str(gettext_lazy("Remote call")) == "Externe aanroep"
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.summary, stored.error) == ("Remote call", "Learner")

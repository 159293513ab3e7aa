"""Tamper evidence: someone who can switch the append-only trigger off (the table's owner) can still
change history, but ``audit_verify`` then names the first event that was changed, removed or inserted
out of order. Runs on SQLite and on PostgreSQL (CI runs both), but for parallel writers: PostgreSQL only."""

from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from portal.audit import audit_chain_verify, audit_context, audit_record, audit_record_many, created_changes
from portal.db import audit_log_protect
from portal.models import AUDIT_HASHED_FIELDS, AuditEvent, audit_event_digest
from portal.tasks import audit_verify
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def tamper(sql: str, params=()) -> None:
    """Run ``sql`` against the audit table the way its owner could: with the append-only trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred FK check
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER portal_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER portal_auditevent_append_only")
            cursor.execute(sql, params)
    audit_log_protect(using=connection.alias)


def write_history() -> list[AuditEvent]:
    """Events written every way the portal writes them: one by one and in bulk."""
    learner = LearnerFactory()
    with audit_context(actor="alice"):
        first = audit_record(action="learner.update", learner=learner, summary="Changed email",
                             changes={"email": {"before": "a@example.org", "after": "b@example.org"}})
        audit_record_many([{"action": "learner.create", "learner_id": learner.pk, "summary": f"Created {n}",
                            "changes": {"score": {"before": None, "after": 7.5}}} for n in range(3)])
        audit_record(action="learner.update", learner=learner, summary="Changed company")
    return [first, *AuditEvent.objects.filter(pk__gt=first.pk).order_by("pk")]


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", "--chunk-size", "2", stdout=out)
    return out.getvalue()


def test_an_untouched_log_passes_and_the_verdict_is_recorded():
    events = write_history()
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert "All 5 events are intact" in verify()
    recorded = AuditEvent.objects.get(action="audit.verify")
    assert recorded.outcome == "success" and recorded.actor == "command"
    assert "All 6 events are intact" in verify()  # the verdict itself is part of the chain


def test_a_created_objects_changes_written_as_text_verify_from_what_the_database_gives_back():
    """The import writes a new learner's changes as JSON text itself (for speed); the chain must verify
    whatever the values hold."""
    values = {"last_name": 'Ünal "de" <b>\\', "first_name": "Zoë\n\t\x01\u2028", "custom1": "52/1, 19/39054148101"}
    with audit_context(actor="import"):
        audit_record_many([{"action": "learner.create", "summary": "Imported", "changes": created_changes(values)}])
    assert AuditEvent.objects.get().changes == {name: {"before": None, "after": value} for name, value in values.items()}
    verdict = audit_chain_verify()
    assert verdict.ok and verdict.checked == 1


def test_an_update_made_with_the_trigger_disabled_is_named():
    events = write_history()
    tamper("UPDATE portal_auditevent SET summary = 'Changed nothing' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"Event #{events[2].pk} was changed"):
        verify()
    failed = AuditEvent.objects.get(action="audit.verify")
    assert failed.outcome == "failure" and failed.object_id == str(events[2].pk)


@pytest.mark.parametrize("which", [1, -1], ids=["in the middle", "the newest"])
def test_a_rewrite_that_recomputes_the_events_hash_is_named(which):
    events = write_history()
    rewritten = {name: getattr(events[which], name) for name in AUDIT_HASHED_FIELDS} | {"summary": "Changed nothing"}
    tamper("UPDATE portal_auditevent SET summary = %s, hash = %s WHERE id = %s",
           [rewritten["summary"], audit_event_digest(rewritten), events[which].pk])
    verdict = audit_chain_verify()
    assert (verdict.problem, verdict.event_id) == ("changed", events[which].pk)


def test_a_deleted_event_is_named_by_its_place_and_the_event_after_it():
    events = write_history()
    tamper("DELETE FROM portal_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"Event 2 of the chain was removed, just before event #{events[2].pk}"):
        verify()


def test_removing_the_newest_events_is_noticed():
    events = write_history()
    tamper("DELETE FROM portal_auditevent WHERE id >= %s", [events[3].pk])
    with pytest.raises(CommandError, match="Events 4 to 5 of the chain were removed: the newest events are missing"):
        verify()


def test_a_truncated_table_is_noticed_also_after_new_events():
    write_history()
    # CASCADE: an award refers to the configuration change that withdrew it (empty here), and a table owner
    # who truncates the log would not stop at that.
    tamper("TRUNCATE portal_auditevent CASCADE" if connection.vendor == "postgresql" else "DELETE FROM portal_auditevent")
    with pytest.raises(CommandError, match="Events 1 to 5 of the chain were removed"):
        verify()
    # The failed verdict is the first event after the truncation: it names what came before it.
    assert audit_chain_verify().missing == (1, 5)


def test_an_event_inserted_out_of_order_is_named():
    events = write_history()
    columns = "sequence, previous_hash, hash, created_at, actor, action, system, outcome, object_type, object_id, " \
              "object_repr, summary, changes, http_method, http_path, request_summary, response_summary, error, " \
              "correlation_id"
    tamper(f"INSERT INTO portal_auditevent ({columns}) SELECT {columns} FROM portal_auditevent WHERE id = %s",
           [events[1].pk])
    verdict = audit_chain_verify()
    assert verdict.problem == "out_of_order" and verdict.event_id > events[-1].pk


def test_the_beat_job_verifies_and_the_dashboard_shows_when_and_how(coordinator_client):
    write_history()
    page = coordinator_client.get(reverse("dashboard"))
    assert b'data-audit-verification="never"' in page.content
    assert audit_verify.delay().get() is True
    page = coordinator_client.get(reverse("dashboard"))
    assert b'data-audit-verification="success"' in page.content and b"All 5 events are intact" in page.content
    assert AuditEvent.objects.get(action="audit.verify").actor == "beat"
    tamper("UPDATE portal_auditevent SET actor = 'mallory' WHERE action = 'learner.create'")
    assert audit_verify.delay().get() is False
    page = coordinator_client.get(reverse("dashboard"))
    assert b'data-audit-verification="failure"' in page.content and b"was changed after it was written" in page.content


@pytest.mark.postgresql  # SQLite's in-memory test database locks whole tables between connections
@pytest.mark.django_db(transaction=True)
def test_writers_at_the_same_time_keep_one_unbroken_chain():
    """Single and bulk writers in parallel threads, each with its own database connection."""

    def single(n):
        try:
            with audit_context(actor=f"writer{n}"):
                for i in range(20):
                    audit_record(action="learner.update", summary=f"{n}/{i}")
        finally:
            connection.close()

    def bulk():
        try:
            with audit_context(actor="import"):
                for _ in range(4):
                    audit_record_many([{"action": "learner.create", "summary": str(i)} for i in range(50)])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(single, n) for n in range(3)] + [pool.submit(bulk)]:
            future.result()
    verdict = audit_chain_verify()
    assert verdict.ok and verdict.checked == AuditEvent.objects.count() == 3 * 20 + 4 * 50


@pytest.mark.parametrize("with_hash", [False, True])
def test_a_head_moved_back_is_named_as_such(with_hash):
    events = write_history()
    back_to = events[2]  # the chain's third event; two follow it
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditchainhead SET sequence = %s" + (", hash = %s" if with_hash else ""),
                       [back_to.sequence, back_to.hash] if with_hash else [back_to.sequence])
    verdict = audit_chain_verify()
    assert verdict.problem == "head_moved_back"
    assert verdict.message == ("The chain's head was moved back: it names event 3 of the chain as the last, but all "
                               "5 events are intact and follow one another.")
    with pytest.raises(CommandError, match="The chain's head was moved back"):
        verify()

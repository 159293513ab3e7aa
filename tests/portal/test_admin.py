"""The Django admin changes nothing without an audit event: every registered model (also those apps add
later) is read-only there, or its admin audits each addition, change and deletion."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse

from portal.admin import AuditedAdmin
from portal.audit import audit_context, audit_record
from portal.models import AuditEvent, Learner
from tests.factories import AuditEventFactory, LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def can_write(model_admin, request) -> bool:
    inlines = model_admin.get_inline_instances(request)
    return (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request) or bool(model_admin.get_actions(request))
            or any(inline.has_add_permission(request, None) or inline.has_change_permission(request)
                   or inline.has_delete_permission(request) for inline in inlines))


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED])
def test_every_admin_model_is_read_only_or_audited(model, model_admin, superuser, rf, admin_client_):
    request = rf.get("/admin/")
    request.user = superuser
    meta = model._meta
    changelist = admin_client_.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    if can_write(model_admin, request):
        assert isinstance(model_admin, AuditedAdmin), f"{meta.label}: the admin may change it without an audit event"
        for hook in ("log_addition", "log_change", "log_deletions"):  # the hooks Django calls on every change
            assert getattr(type(model_admin), hook) is getattr(AuditedAdmin, hook), f"{meta.label}.{hook} bypasses the audit"
    else:
        add = admin_client_.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"), {})
        assert add.status_code == 403
        assert b'name="_save"' not in changelist.content and b"delete_selected" not in changelist.content


def test_a_learner_cannot_be_changed_or_deleted_in_the_admin(admin_client_):
    learner = LearnerFactory(custom1="19/123456")
    url = reverse("admin:portal_learner_change", args=[learner.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client_.post(url, {"first_name": "Mallory", "custom1": "52/1"}).status_code == 403
    assert admin_client_.post(reverse("admin:portal_learner_delete", args=[learner.pk]), {"post": "yes"}).status_code == 403
    learner.refresh_from_db()
    assert learner.first_name != "Mallory" and learner.custom1 == "19/123456"
    assert not AuditEvent.objects.exists()


def test_groups_are_changed_in_the_admin_with_an_audit_event_each_time(admin_client_, superuser):
    add = admin_client_.post(reverse("admin:auth_group_add"), {"name": "Auditors"})
    assert add.status_code == 302
    group = Group.objects.get(name="Auditors")
    admin_client_.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "Internal auditors"})
    admin_client_.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    events = list(AuditEvent.objects.order_by("pk"))
    assert [e.action for e in events] == ["auth.group_create", "auth.group_update", "auth.group_delete"]
    assert all(e.actor == superuser.username and e.object_id == str(group.pk) for e in events)
    assert events[1].summary == "Changed Name of Internal auditors" and not Group.objects.filter(pk=group.pk).exists()


def test_user_accounts_are_audited_and_a_user_with_history_is_not_deleted(admin_client_):
    password = "a-long-and-unusual-passphrase"
    admin_client_.post(reverse("admin:auth_user_add"),
                       {"username": "newbie", "password1": password, "password2": password, "usable_password": "true"})
    newbie = User.objects.get(username="newbie")
    admin_client_.post(reverse("admin:auth_user_password_change", args=[newbie.pk]),
                       {"password1": password + "!", "password2": password + "!", "usable_password": "true"})
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "auth.user_create", "auth.user_update"]
    assert password not in str(list(AuditEvent.objects.values()))

    actor = UserFactory()
    with audit_context(user=actor):
        audit_record(action="learner.update")
    admin_client_.post(reverse("admin:auth_user_delete", args=[actor.pk]), {"post": "yes"})
    assert User.objects.filter(pk=actor.pk).exists()  # the audit log refers to them
    admin_client_.post(reverse("admin:auth_user_delete", args=[newbie.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=newbie.pk).exists()
    assert AuditEvent.objects.filter(action="auth.user_delete", object_id=str(newbie.pk)).exists()


def test_lifting_a_login_lock_out_is_audited(admin_client_):
    attempt = AccessAttempt.objects.create(username="coordinator", ip_address="10.0.0.1", failures_since_start=5,
                                           get_data="", post_data="", http_accept="", path_info="/login/",
                                           user_agent="test")
    url = reverse("admin:axes_accessattempt_change", args=[attempt.pk])
    assert admin_client_.post(url, {"failures_since_start": 0}).status_code == 403
    admin_client_.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get().action == "auth.access_attempt_delete"


def test_a_nul_character_in_an_admin_list_filter_is_a_bad_request(admin_client_):
    for url in (reverse("admin:portal_auditevent_changelist"), reverse("admin:portal_learner_changelist")):
        assert admin_client_.get(url, {"system__exact": "\x00"}).status_code == 400
        assert admin_client_.get(url + "?q=%00").status_code == 400
    assert Learner.objects.count() == 0


def test_the_admin_audit_log_filters_actions_by_label_without_reading_the_whole_log(admin_client_):
    AuditEventFactory(action="remote_call", learner=None)
    AuditEventFactory(action="learner.update")
    page = admin_client_.get(reverse("admin:portal_auditevent_changelist"), {"action": "remote_call"})
    assert page.status_code == 200 and "Remote call" in page.content.decode()
    assert [event.action for event in page.context["cl"].result_list] == ["remote_call"]


@pytest.mark.parametrize("selected", ["\x00", "abc", "9" * 30, "-1"])
def test_a_bulk_action_on_rows_that_cannot_exist_is_a_bad_request(admin_client_, selected):
    group = Group.objects.create(name="Auditors")
    for name in ("admin:auth_group_changelist", "admin:auth_user_changelist"):
        page = admin_client_.post(reverse(name), {"action": "delete_selected", "_selected_action": [selected],
                                                  "index": 0})
        assert page.status_code == 400
    assert Group.objects.filter(pk=group.pk).exists()


def test_the_training_coordinator_group_is_neither_deleted_nor_renamed(admin_client_, coordinator_group):
    admin_client_.post(reverse("admin:auth_group_delete", args=[coordinator_group.pk]), {"post": "yes"})
    admin_client_.post(reverse("admin:auth_group_changelist"), {
        "action": "delete_selected", "_selected_action": [coordinator_group.pk], "index": 0, "post": "yes"})
    admin_client_.post(reverse("admin:auth_group_change", args=[coordinator_group.pk]), {"name": "Renamed"})
    coordinator_group.refresh_from_db()
    assert coordinator_group.name == "Training coordinator"
    assert not AuditEvent.objects.filter(action="auth.group_delete").exists()

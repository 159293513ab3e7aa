"""Learner groups: kept in the portal, then synced to aNewSpring (addGroup, deleteGroupUsers, addGroupUsers)."""

from collections.abc import Iterable
from itertools import batched

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.audit import audit_context, audit_record, diff
from portal.jobs import JobProgress, job_handler, job_launch
from portal.models import Job, Learner
from portal.texts import text_later, text_register, text_result
from subscriptions.client import AnewspringClient, AnewspringError
from subscriptions.models import LearnerGroup
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_require, remote_action
from subscriptions.services.learners import learner_ensure_remote


def learner_group_save(*, group: LearnerGroup | None, data: dict, members: Iterable[Learner]) -> LearnerGroup:
    """Create or change a group in the portal (not yet in aNewSpring: see :func:`learner_group_sync`).

    The audit event names the members added and removed, not the whole list before and after (260 KB
    for one member added to a group of 9,900)."""
    members = list(members)
    with transaction.atomic():
        creating = group is None
        fields = ("external_id", "name", "type")
        before = {} if creating else {name: getattr(group, name) for name in fields}
        current = {} if creating else dict(group.members.values_list("pk", "external_id"))
        group = group or LearnerGroup()
        for name, value in data.items():
            setattr(group, name, value)
        group.full_clean()
        group.save()
        group.members.set(members)
        wanted = {m.pk for m in members}
        changes = diff(before, {name: getattr(group, name) for name in fields})
        added = sorted(m.anewspring_id for m in members if m.pk not in current)
        removed = sorted(external_id or "" for pk, external_id in current.items() if pk not in wanted)
        if added:
            changes["members_added"] = {"before": None, "after": added}
        if removed:
            changes["members_removed"] = {"before": removed, "after": None}
        audit_record(action="group.create" if creating else "group.update", obj=group,
                     summary=str(group), changes=changes)
    return group


# Users named in one addGroupUsers/deleteGroupUsers call: keeps a big group's requests small.
GROUP_CALL_USERS = 500


def learner_group_sync(*, group: LearnerGroup, client: AnewspringClient | None = None) -> LearnerGroup:
    """Make the group in aNewSpring hold exactly the portal's members: create it unless it exists
    (groupExists, then addGroup), take out whoever is no longer a member (deleteGroupUsers, so subscribeGroups
    uses no licence for them), and add the members (addGroupUsers, duplicates ignored), creating
    members aNewSpring does not know yet."""
    with remote_action("group.sync", obj=group):
        client = client or anewspring_client()
        members = list(group.members.all())
        for learner in members:
            with audit_context(learner=learner):
                learner_ensure_remote(learner=learner, client=client)
        # Asked first: addGroup's 409 for a group that exists would be audited as a failed call.
        if client.group_exists(group.external_id) or not _group_add(group, client):
            departed = _departed(group, members, client)
        else:
            departed = []
        for users in batched(departed, GROUP_CALL_USERS):
            client.delete_group_users(group.external_id, users, ignore_missing=True)
        for users in batched([m.anewspring_id for m in members], GROUP_CALL_USERS):
            client.add_group_users(group.external_id, users, ignore_duplicates=True)
        with transaction.atomic():
            LearnerGroup.objects.filter(pk=group.pk).update(synced_at=timezone.now())
            group.synced_at = timezone.now()
            audit_record(action="group.sync", system=SYSTEM, obj=group,
                         summary=text_later(lambda: ngettext(
                             "Group {group} synced to aNewSpring: {count} member, {removed} removed",
                             "Group {group} synced to aNewSpring: {count} members, {removed} removed", len(members))
                             .format(group=group.external_id, count=len(members), removed=len(departed))),
                         changes={"removed": departed} if departed else None)
    return group


def learner_group_sync_start(*, group: LearnerGroup, user=None) -> Job:
    """:func:`learner_group_sync` in a background job: it makes calls per member, too many for a web request."""
    anewspring_require()
    return job_launch(kind="learner_group_sync",
                      title=text_later(lambda: _("Sync group %(group)s to aNewSpring") % {"group": group}),
                      params={"group_id": group.pk}, user=user, total=1)


@text_register("anewspring.group_sync")
def _group_sync_text(*, group: str) -> str:
    return _("Group %(group)s synced to aNewSpring.") % {"group": group}


@job_handler("learner_group_sync", integration=SYSTEM)
def learner_group_sync_job(job: Job, progress: JobProgress) -> dict:
    from django.urls import reverse

    group = LearnerGroup.objects.get(pk=job.params["group_id"])
    learner_group_sync(group=group)
    return {**text_result("anewspring.group_sync", group=str(group)),
            "next_url": reverse("group_edit", args=[group.pk])}


def _group_add(group: LearnerGroup, client: AnewspringClient) -> bool:
    """Create the group in aNewSpring; False when someone else made it since we asked (409), as good."""
    try:
        client.add_group(group.external_id, name=group.name, type=group.type)
    except AnewspringError as exc:
        if exc.status != 409:
            raise
        return False
    return True


def _departed(group: LearnerGroup, members: list[Learner], client: AnewspringClient) -> list[str]:
    """Users in the aNewSpring group who are not members in the portal (by external ID; a user
    without one cannot be named in deleteGroupUsers and stays)."""
    wanted = {m.anewspring_id for m in members}
    return [user.id for user in client.get_group_users(group.external_id) if user.id and user.id not in wanted]

"""Learner groups: kept in the portal, then synced to aNewSpring (addGroup, addGroupUsers)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_context, audit_record, diff
from portal.models import Learner
from subscriptions.client import AnewspringClient, AnewspringError
from subscriptions.models import LearnerGroup
from subscriptions.services.common import SYSTEM, anewspring_client, remote_action
from subscriptions.services.learners import learner_ensure_remote


def learner_group_save(*, group: LearnerGroup | None, data: dict, members: Iterable[Learner]) -> LearnerGroup:
    """Create or change a group in the portal (not yet in aNewSpring: see :func:`learner_group_sync`)."""
    members = list(members)
    with transaction.atomic():
        creating = group is None
        before = {} if creating else {"external_id": group.external_id, "name": group.name, "type": group.type,
                                      "members": sorted(m.anewspring_id for m in group.members.all())}
        group = group or LearnerGroup()
        for name, value in data.items():
            setattr(group, name, value)
        group.full_clean()
        group.save()
        group.members.set(members)
        after = {"external_id": group.external_id, "name": group.name, "type": group.type,
                 "members": sorted(m.anewspring_id for m in members)}
        audit_record(action="group.create" if creating else "group.update", obj=group,
                     summary=str(group), changes=diff(before, after))
    return group


def learner_group_sync(*, group: LearnerGroup, client: AnewspringClient | None = None) -> LearnerGroup:
    """Create the group in aNewSpring (addGroup; "already exists" is fine) and add its members
    (addGroupUsers, duplicates ignored), creating members aNewSpring does not know yet."""
    with remote_action("group.sync", obj=group):
        client = client or anewspring_client()
        members = list(group.members.all())
        for learner in members:
            with audit_context(learner=learner):
                learner_ensure_remote(learner=learner, client=client)
        try:
            client.add_group(group.external_id, name=group.name, type=group.type)
        except AnewspringError as exc:
            if exc.status != 409:
                raise
        if members:
            client.add_group_users(group.external_id, [m.anewspring_id for m in members], ignore_duplicates=True)
        with transaction.atomic():
            LearnerGroup.objects.filter(pk=group.pk).update(synced_at=timezone.now())
            group.synced_at = timezone.now()
            audit_record(action="group.sync", system=SYSTEM, obj=group,
                         summary=_("Group %(group)s with %(count)s members synced to aNewSpring")
                         % {"group": group.external_id, "count": len(members)})
    return group

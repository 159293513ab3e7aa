"""Writes to the shared domain. Each service audits itself in the same transaction."""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_context, audit_record, diff
from portal.db import bulk_insert
from portal.http import RemoteError
from portal.integrations import ConnectionCheck, integration_get
from portal.models import AuditEvent, Learner, PERegistration, Profile, external_id_generate
from portal.pe_numbers import PENumber, parse_custom1
from portal.signals import pe_registrations_changed

# Learner fields shown in the audit log's before/after (timestamps left out on purpose).
LEARNER_AUDIT_FIELDS = [
    f.name for f in Learner._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
]


def learner_snapshot(learner: Learner) -> dict[str, object]:
    return model_to_dict(learner, fields=LEARNER_AUDIT_FIELDS)


def pe_registrations_replace(*, numbers_by_learner: Mapping[int, Iterable[PENumber]]) -> None:
    """Make each learner's PE registrations exactly the given numbers (two bulk queries in all)."""
    PERegistration.objects.filter(learner_id__in=list(numbers_by_learner)).delete()
    pe_registrations_insert(numbers_by_learner=numbers_by_learner)
    pe_registrations_changed.send(sender=PERegistration, learner_ids=list(numbers_by_learner))


def pe_registrations_insert(*, numbers_by_learner: Mapping[int, Iterable[PENumber]]) -> None:
    """Add these PE registrations, telling nobody (``pe_registrations_changed`` is not sent): for learners
    created in this transaction, for whom no award can be waiting yet. Any other caller sends the signal
    itself, as :func:`pe_registrations_replace` does."""
    bulk_insert(PERegistration, [
        {"learner_id": learner_id, "org_id": n.org_id, "number": n.number, "kind": n.kind,
         "check_digit_ok": n.check_digit_ok}
        for learner_id, numbers in numbers_by_learner.items()
        for n in numbers
    ])


def _save_custom1(learner: Learner) -> list[str]:
    parsed = parse_custom1(learner.custom1, default_org_id=settings.PE_ONLINE_ORG_ID)
    if parsed.errors:
        raise ValueError("; ".join(parsed.errors))
    pe_registrations_replace(numbers_by_learner={learner.pk: parsed.numbers})
    return parsed.warnings


def _external_id_fill(learner: Learner) -> None:
    """No external ID given: the portal makes one (aNewSpring knows users only by their external ID)."""
    if not learner.external_id:
        learner.external_id, learner.external_id_generated = external_id_generate(), True


@transaction.atomic
def learner_external_id_ensure(*, learner: Learner) -> str:
    """The learner's external ID, made and saved (audited) first if they have none (a learner from
    before the portal generated IDs, or created by another path)."""
    if not learner.external_id:
        _external_id_fill(learner)
        learner.save(update_fields=["external_id", "external_id_generated", "updated_at"])
        audit_record(action="learner.update", learner=learner, obj=learner,
                     summary=format_lazy(_("External ID {id} made by the portal"), id=learner.external_id),
                     changes=diff({"external_id": None}, {"external_id": learner.external_id}))
    return learner.external_id


@transaction.atomic
def learner_create(*, data: Mapping[str, object]) -> tuple[Learner, list[str]]:
    """Create a learner and its PE registrations; returns the learner and Custom1 warnings.
    Without an external ID the portal makes one."""
    learner = Learner(**data)
    _external_id_fill(learner)
    learner.full_clean()
    learner.save()
    warnings = _save_custom1(learner)
    audit_record(action="learner.create", learner=learner, obj=learner,
                 summary=format_lazy(_("Created {name}"), name=learner.full_name), changes=diff({}, learner_snapshot(learner)))
    return learner, warnings


@transaction.atomic
def learner_update(*, learner: Learner, data: Mapping[str, object]) -> tuple[Learner, list[str]]:
    before = learner_snapshot(Learner.objects.get(pk=learner.pk))
    for name, value in data.items():
        setattr(learner, name, value)
    if learner.external_id != before["external_id"]:
        learner.external_id_generated = False
    _external_id_fill(learner)
    learner.full_clean()
    learner.save()
    warnings = _save_custom1(learner)
    changes = diff(before, learner_snapshot(learner))
    if changes:
        audit_record(action="learner.update", learner=learner, obj=learner,
                     summary=format_lazy(_("Changed {fields}"), fields=", ".join(changes)), changes=changes)
    return learner, warnings


def integration_connection_test(*, name: str) -> ConnectionCheck:
    """Ask a registered remote system whether it answers (one harmless call), and record the verdict."""
    integration = integration_get(name)
    if not integration.is_configured():
        check = ConnectionCheck(ok=False, message=gettext("%(system)s is not configured.")
                                % {"system": integration.label})
    else:
        try:
            check = integration.check_connection()
        except RemoteError as exc:  # a check should say so itself; a remote error is a failed check all the same
            check = ConnectionCheck(ok=False, message=exc.message)
    audit_record(action="integration.connection_test", system=integration.name,
                 outcome=AuditEvent.OUTCOME_SUCCESS if check.ok else AuditEvent.OUTCOME_FAILURE,
                 summary=check.message[:500], error="" if check.ok else check.message)
    return check


# --- sign-in, sign-out and passwords ------------------------------------------------------------------
# Who came in, who was refused and who changed their password belong in the audit log like any other
# action. A refused attempt names the user name that was typed (cut to a user name's length), never
# the password; Django's signal carries it masked anyway.
def sign_in_record(*, user) -> None:
    _account_record(user=user, action="auth.login", summary=_("{name} signed in"))


def sign_in_refused_record(*, username: str) -> None:
    with audit_context(actor="anonymous"):
        audit_record(action="auth.login_failed", outcome=AuditEvent.OUTCOME_FAILURE,
                     summary=format_lazy(_("Sign-in refused for {name}"), name=username[:150] or "—"))


def sign_out_record(*, user) -> None:
    if user is not None:
        _account_record(user=user, action="auth.logout", summary=_("{name} signed out"))


def password_change_record(*, user) -> None:
    _account_record(user=user, action="auth.password_change", summary=_("{name} changed their password"))


def _account_record(*, user, action: str, summary) -> None:
    """An event of ``user``'s own account, by them; ``summary`` names them as ``{name}``."""
    with audit_context(user=user):
        audit_record(action=action, obj=user, summary=format_lazy(summary, name=user.get_username()))


# --- the user's own profile ---------------------------------------------------------------------------------
PROFILE_FIELDS = ["language", "digest", "immediate"]


def profile_update(*, user, **values) -> Profile:
    """Save ``user``'s own notification choices (``PROFILE_FIELDS``); audited with what changed."""
    with transaction.atomic(), audit_context(user=user):
        profile = Profile.objects.select_for_update().get_or_create(user=user)[0]
        before = model_to_dict(profile, fields=PROFILE_FIELDS)
        for name in PROFILE_FIELDS:
            setattr(profile, name, values[name])
        profile.save(update_fields=PROFILE_FIELDS)
        changes = diff(before, model_to_dict(profile, fields=PROFILE_FIELDS))
        if changes:
            audit_record(action="profile.update", obj=user, changes=changes,
                         summary=format_lazy(_("{name} changed their profile"), name=user.get_username()))
    return profile

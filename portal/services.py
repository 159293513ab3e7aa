"""Writes to the shared domain. Each service audits itself in the same transaction."""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.forms.models import model_to_dict

from portal.audit import audit_record, diff
from portal.db import bulk_insert
from portal.models import Learner, PERegistration
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
    _pe_registrations_insert(numbers_by_learner)
    pe_registrations_changed.send(sender=PERegistration, learner_ids=list(numbers_by_learner))


def pe_registrations_add(*, numbers_by_learner: Mapping[int, Iterable[PENumber]]) -> None:
    """Give learners without PE registrations yet (new ones) the given numbers."""
    _pe_registrations_insert(numbers_by_learner)
    pe_registrations_changed.send(sender=PERegistration, learner_ids=list(numbers_by_learner))


def _pe_registrations_insert(numbers_by_learner: Mapping[int, Iterable[PENumber]]) -> None:
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


@transaction.atomic
def learner_create(*, data: Mapping[str, object]) -> tuple[Learner, list[str]]:
    """Create a learner and its PE registrations; returns the learner and Custom1 warnings."""
    learner = Learner(**data)
    learner.full_clean()
    learner.save()
    warnings = _save_custom1(learner)
    audit_record(action="learner.create", learner=learner, obj=learner,
                 summary=f"Created {learner.full_name}", changes=diff({}, learner_snapshot(learner)))
    return learner, warnings


@transaction.atomic
def learner_update(*, learner: Learner, data: Mapping[str, object]) -> tuple[Learner, list[str]]:
    before = learner_snapshot(Learner.objects.get(pk=learner.pk))
    for name, value in data.items():
        setattr(learner, name, value)
    learner.full_clean()
    learner.save()
    warnings = _save_custom1(learner)
    changes = diff(before, learner_snapshot(learner))
    if changes:
        audit_record(action="learner.update", learner=learner, obj=learner,
                     summary=f"Changed {', '.join(changes)}", changes=changes)
    return learner, warnings

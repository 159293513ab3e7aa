"""The catalogue: aNewSpring's templates and courses copied into the portal."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.audit import audit_record
from portal.jobs import JobProgress, job_handler, job_launch
from portal.models import AuditEvent, Course, Job, Template
from portal.texts import text_register, text_result
from portal.validators import external_id_problem, shown, text_problem
from subscriptions import client as anewspring
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_require, remote_action


def course_save(template: Template, info: anewspring.CourseInfo) -> Course:
    start, expire = info.start_date, info.expire_date
    if start and expire and expire < start:
        expire = None
    course, _created = Course.objects.update_or_create(
        external_id=info.id,
        defaults={"uid": info.uid or "", "name": info.name[:255], "template": template,
                  "reseller": info.reseller or "", "start_date": start, "expire_date": expire,
                  "synced_at": timezone.now()})
    return course


# A sync reports at most this many failed templates by ID (the count is complete).
FAILURES_LISTED = 20


def _template_save(remote: anewspring.Template) -> Template:
    """A template by external ID, or by UID while it has none (it is listed, but its courses cannot be
    read); a template that has since been given an external ID keeps its row."""
    template = ((Template.objects.filter(external_id=remote.id).first() if remote.id else None)
                or Template.objects.filter(external_id=None, uid=remote.uid).first() or Template())
    template.external_id, template.uid, template.name = remote.id, remote.uid, remote.name[:255]
    template.synced_at = timezone.now()
    template.save()
    return template


def _remote_problem(remote: anewspring.Template | anewspring.CourseInfo) -> str | None:
    """Why a template or course aNewSpring lists cannot be kept (a NUL in its name, ".." as its ID)."""
    if remote.id is not None and (problem := external_id_problem(remote.id)):
        return _("its ID %(problem)s") % {"problem": problem}
    if problem := text_problem(remote.uid):
        return _("its UID %(problem)s") % {"problem": problem}
    if problem := text_problem(remote.name):
        return _("its name %(problem)s") % {"problem": problem}
    return None


def catalogue_sync(*, progress: JobProgress | None = None) -> dict:
    """Templates (getTemplates) and their courses (getCourses) into the portal's catalogue.

    getCourses takes a template's external ID: a template without one is listed but its courses
    cannot be read. A template whose getCourses fails, or whose name or ID (or a course's) the portal
    cannot keep, is reported by its ID and the rest of the sync goes on; courses without an external
    ID are skipped (the portal addresses them by it).
    """
    with remote_action("catalogue.sync"):
        client = anewspring_client()
        templates = client.get_templates()
    if progress:
        progress.set_total(len(templates))
    counts = {"templates": 0, "courses": 0, "skipped": 0, "without_id": 0, "failed": 0}
    failures = []
    for remote in templates:
        if problem := _remote_problem(remote):
            counts["failed"] += 1
            failures.append({"template": shown(remote.id or remote.uid), "error": problem})
            continue
        template = _template_save(remote)
        counts["templates"] += 1
        if not remote.id:
            counts["without_id"] += 1
        else:
            try:
                courses = client.get_courses(remote.id)
            except anewspring.AnewspringError as exc:
                counts["failed"] += 1
                failures.append({"template": remote.id, "error": exc.message})
            else:
                kept = []
                for info in courses:
                    if problem := _remote_problem(info):
                        failures.append({"template": remote.id, "error": _("course %(id)s: %(problem)s")
                                         % {"id": shown(info.id or info.uid), "problem": problem}})
                    else:
                        kept.append(info)
                counts["failed"] += len(kept) < len(courses)  # the template, once
                with transaction.atomic():
                    for info in kept:
                        if not info.id:
                            counts["skipped"] += 1
                            continue
                        course_save(template, info)
                        counts["courses"] += 1
        if progress:
            progress.advance()
    listed = "; ".join(f"{f['template']}: {f['error']}" for f in failures[:FAILURES_LISTED])
    result = text_result("anewspring.catalogue_sync", **counts, listed=listed)
    audit_record(action="catalogue.sync", system=SYSTEM, summary=result["summary"], changes=counts, error=listed,
                 outcome=AuditEvent.OUTCOME_FAILURE if failures else AuditEvent.OUTCOME_SUCCESS)
    return {**result, **counts, "failures": failures[:FAILURES_LISTED]}


@text_register("anewspring.catalogue_sync")
def _catalogue_sync_text(*, templates: int, courses: int, skipped: int, without_id: int, failed: int,
                         listed: str) -> str:
    text = "; ".join([
        ngettext("%(count)d template synced", "%(count)d templates synced", templates) % {"count": templates},
        ngettext("%(count)d course synced", "%(count)d courses synced", courses) % {"count": courses},
        ngettext("%(count)d course without external ID skipped", "%(count)d courses without external ID skipped",
                 skipped) % {"count": skipped},
        ngettext("%(count)d template without external ID (its courses cannot be read).",
                 "%(count)d templates without external ID (their courses cannot be read).",
                 without_id) % {"count": without_id}])
    if not failed:
        return text
    return "%s %s" % (text, ngettext("The courses of %(count)d template could not be read: %(listed)s",
                                      "The courses of %(count)d templates could not be read: %(listed)s",
                                      failed) % {"count": failed, "listed": listed})


def catalogue_sync_start(*, user=None) -> Job:
    anewspring_require()
    return job_launch(kind="catalogue_sync", title=gettext_lazy("Sync the catalogue from aNewSpring"), params={},
                      user=user)


@job_handler("catalogue_sync", integration=SYSTEM)
def catalogue_sync_job(job: Job, progress: JobProgress) -> dict:
    from django.urls import reverse

    progress.step = 1
    return {**catalogue_sync(progress=progress), "next_url": reverse("catalogue")}

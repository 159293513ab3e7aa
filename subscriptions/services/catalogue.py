"""The catalogue: aNewSpring's templates and courses copied into the portal."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.jobs import JobProgress, job_create, job_handler, job_start
from portal.models import Course, Job, Template
from subscriptions import client as anewspring
from subscriptions.services.common import (SYSTEM, AnewspringNotConfigured, anewspring_client, anewspring_configured,
                                           remote_action)


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


def catalogue_sync(*, progress: JobProgress | None = None) -> dict:
    """Templates (getTemplates) and their courses (getCourses) into the portal's catalogue.

    Templates or courses without an external ID are skipped: the portal addresses them by it.
    """
    with remote_action("catalogue.sync"):
        client = anewspring_client()
        templates = client.get_templates()
        if progress:
            progress.set_total(len(templates))
        counts = {"templates": 0, "courses": 0, "skipped": 0}
        for remote in templates:
            external_id = remote.id or remote.uid
            courses = client.get_courses(external_id)
            with transaction.atomic():
                template, _created = Template.objects.update_or_create(
                    external_id=external_id,
                    defaults={"uid": remote.uid, "name": remote.name[:255], "synced_at": timezone.now()})
                counts["templates"] += 1
                for info in courses:
                    if not info.id:
                        counts["skipped"] += 1
                        continue
                    course_save(template, info)
                    counts["courses"] += 1
            if progress:
                progress.advance()
        summary = (_("%(templates)s templates and %(courses)s courses synced; %(skipped)s courses without "
                     "external ID skipped.") % counts)
        audit_record(action="catalogue.sync", system=SYSTEM, summary=summary, changes=counts)
    return {"summary": summary, **counts}


def catalogue_sync_start(*, user=None) -> Job:
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    with transaction.atomic():
        job = job_create(kind="catalogue_sync", title=_("Sync the catalogue from aNewSpring"), params={}, user=user)
        job_start(job)
    return job


@job_handler("catalogue_sync", queue="anewspring")
def catalogue_sync_job(job: Job, progress: JobProgress) -> dict:
    from django.urls import reverse

    progress.step = 1
    return {**catalogue_sync(progress=progress), "next_url": reverse("catalogue")}

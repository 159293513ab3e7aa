"""Writes for the events coordinators record on a course: create, change, delete (audited), and the
CSV import of many events at once, checked in a job (the preview) and imported in another once confirmed.

aNewSpring's API lists no events (seed 000 and API-NOTES), so the portal is where they are recorded,
as coordinators do in aNewSpring's own admin. An event's attendance still comes from the results of
its event activity (see ``accreditation/rules.py``).
"""

import re
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accreditation import selectors
from accreditation.models import Assessment, Award, EventAccreditation, meeting_ids_check
from accreditation.services import awards_rules_rerun_start
from portal.audit import audit_record, audit_record_many, diff, object_fields, stored_text
from portal.imports.parsing import (
    ImportFileError, _detect_delimiter, _parse_date, check_size, text_decode, text_records)
from portal.jobs import job_handler, job_launch
from portal.models import Course, Event, Job
from portal.texts import text_later, text_register, text_result
from portal.validators import text_problem

EVENT_AUDIT_FIELDS = ["name", "date", "end_time", "location", "activity", "external_id"]


def _snapshot(event: Event) -> dict:
    return model_to_dict(event, fields=EVENT_AUDIT_FIELDS)


def event_create(*, course: Course, data: dict) -> Event:
    event = Event(course=course, **data)
    with transaction.atomic():
        event.full_clean()
        event.save()
        audit_record(action="event.create", obj=event, course=course,
                     summary=format_lazy(gettext_lazy("Event {name} added"), name=event),
                     changes=diff({}, _snapshot(event)))
    return event


def event_update(*, event: Event, data: dict, user=None) -> Event:
    before = _snapshot(event)
    for name, value in data.items():
        setattr(event, name, value)
    with transaction.atomic():
        event.full_clean()
        event.save()
        audit_record(action="event.update", obj=event, course=event.course,
                     summary=format_lazy(gettext_lazy("Event {name} changed"), name=event),
                     changes=diff(before, _snapshot(event)))
        # Another activity's results decide attendance now: the rules look at them.
        accreditation = EventAccreditation.objects.filter(event=event).exclude(assessment=Assessment.NONE).first()
        if before["activity"] != event.activity_id and accreditation is not None:
            awards_rules_rerun_start(template=event.course.template, user=user)
    return event


def event_delete(*, event: Event) -> None:
    """Delete an event and its PE configuration; refused while an award refers to it."""
    refused = _("An award refers to this event, so it cannot be deleted.")
    with transaction.atomic():
        if Award.objects.filter(event=event).exists():
            raise ValidationError(refused)
        audit_record(action="event.delete", obj=event, course=event.course,
                     summary=format_lazy(gettext_lazy("Event {name} deleted"), name=event),
                     changes=diff(_snapshot(event), {}))
        try:
            event.delete()
        except ProtectedError as exc:  # an award made meanwhile
            raise ValidationError(refused) from exc


# --- the CSV import -----------------------------------------------------------------------------------
# Bounded: a file is read into one job's parameters, its preview into the job's result.
IMPORT_MAX_BYTES = 256 * 1024
IMPORT_MAX_ROWS = 500
# Column -> what it holds; the header compares names without case, spaces, "_" and "-".
COLUMNS = {"name": "Name", "date": "Date", "endtime": "EndTime", "location": "Location", "activity": "Activity",
           "externalid": "ExternalID", "pemeetingids": "PEMeetingIDs"}
REQUIRED_COLUMNS = ("Name", "Date", "Activity", "ExternalID")
_IGNORED_IN_NAMES = re.compile(r"[\s_-]+")
_MEETING_SEPARATORS = re.compile(r"[\s,|]+")  # within a cell, whatever the file's own separator
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")  # ASCII digits: "\d" also takes other scripts' digits
_MAX_LENGTH = {name: Event._meta.get_field(name).max_length for name in ("name", "location", "external_id")}


def event_import_start(*, course: Course, upload, user=None) -> Job:
    """Check the file's size and start the job that checks its rows (the preview); no event is made yet."""
    try:
        check_size(upload.size, max_bytes=IMPORT_MAX_BYTES)
        text, _encoding = text_decode(upload.read())
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    return job_launch(kind="event_import_preview",
                      title=text_later(lambda: _("Check of %(file)s (events of %(course)s)")
                                       % {"file": upload.name, "course": course}),
                      params={"course_id": course.pk, "file_name": upload.name[:255], "text": text,
                              "language": translation.get_language()}, user=user)


@job_handler("event_import_preview")
def event_import_preview_job(job: Job, progress) -> dict:
    course = Course.objects.select_related("template").get(pk=job.params["course_id"])
    # The row errors are kept as text, in the language of the coordinator who reads them.
    with translation.override(job.params.get("language")):
        rows = events_csv_check(course=course, text=job.params["text"])
    errors = sum(1 for row in rows if row["errors"])
    # The file is read: keep only its outcome.
    Job.objects.filter(pk=job.pk).update(params={k: v for k, v in job.params.items() if k != "text"})
    return {"rows": rows, "counts": {"total": len(rows), "error": errors, "valid": len(rows) - errors},
            **text_result("events.checked", total=len(rows), errors=errors),
            "next_url": reverse("event_import_preview", args=[job.pk])}


@text_register("events.checked")
def _checked_text(*, total: int, errors: int) -> str:
    return "; ".join([ngettext("%(count)d event checked", "%(count)d events checked", total) % {"count": total},
                      ngettext("%(count)d with errors.", "%(count)d with errors.", errors) % {"count": errors}])


@text_register("events.imported")
def _imported_text(*, created: int, skipped: int) -> str:
    return "; ".join([
        ngettext("%(count)d event created", "%(count)d events created", created) % {"count": created},
        ngettext("%(count)d skipped (its external ID exists).", "%(count)d skipped (their external ID exists).",
                 skipped) % {"count": skipped}])


def events_csv_check(*, course: Course, text: str) -> list[dict]:
    """Every row of the file as ``{"line", "values", "errors"}``; raises ImportFileError for a bad file."""
    delimiter, has_sep_line = _detect_delimiter(text.split("\n", 1)[0].strip("\r"))
    records = text_records(text, delimiter)
    if has_sep_line:
        next(records, None)
    _line, header = next(records, (0, None))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    positions = {COLUMNS.get(_IGNORED_IN_NAMES.sub("", name).casefold()): i for i, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise ImportFileError(_("The file has no column %(columns)s (the first row names the columns).")
                              % {"columns": ", ".join(missing)})
    records = list(_bounded(records))
    if not records:
        raise ImportFileError(_("The file has a header row but no events."))
    activities = {}
    for activity in selectors.event_activities(course):  # a template's few event activities
        for key in (activity.external_id, activity.name):
            if key:
                activities.setdefault(key.casefold(), activity)
    cells = [{name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items() if name}
             for _line, cells in records]
    taken = set(course.events.filter(external_id__in=[c["ExternalID"] for c in cells])
                .values_list("external_id", flat=True))
    seen: set[str] = set()
    rows = []
    for (line, _cells), row in zip(records, cells, strict=True):
        checked = _row_check(row, activities, taken, seen)
        rows.append({"line": line, **checked})
    return rows


def _bounded(records):
    for count, record in enumerate(records, start=1):
        if count > IMPORT_MAX_ROWS:
            raise ImportFileError(_("The file has more than %(max)d events; split it into smaller files.")
                                  % {"max": IMPORT_MAX_ROWS})
        yield record


def _row_check(row: dict, activities: dict, taken: set, seen: set) -> dict:
    errors = []

    def error(column, message):
        errors.append(f"{column}: {message}")

    values = {"name": row["Name"], "location": row.get("Location", ""), "external_id": row["ExternalID"]}
    for column, name in (("Name", "name"), ("ExternalID", "external_id")):
        if not values[name]:
            error(column, _("This field is required."))
    for column, name in (("Name", "name"), ("Location", "location"), ("ExternalID", "external_id")):
        if len(values[name]) > _MAX_LENGTH[name]:
            error(column, _("At most %(max)d characters.") % {"max": _MAX_LENGTH[name]})
        elif problem := text_problem(values[name]):
            error(column, problem)
    external_id = values["external_id"]
    if external_id in taken:
        error("ExternalID", _("The course has an event with this external ID already."))
    elif external_id and external_id in seen:
        error("ExternalID", _("Another row of the file has this external ID."))
    seen.add(external_id)
    day = _parse_date(row["Date"])
    if day is None:
        error("Date", _("'%(value)s' is not a date (expected yyyy-mm-dd)") % {"value": row["Date"]})
    values["date"] = day.isoformat() if day else row["Date"]
    values["end_time"] = row.get("EndTime", "")
    if values["end_time"]:
        end = _parse_time(values["end_time"])
        if end is None:
            error("EndTime", _("'%(value)s' is not a time (expected hh:mm)") % {"value": values["end_time"]})
        else:
            values["end_time"] = end.strftime("%H:%M")
    activity = activities.get(row["Activity"].casefold())
    if activity is None:
        error("Activity", _("'%(value)s' is no event activity of the course's template.") % {"value": row["Activity"]})
    values["activity_id"], values["activity"] = (activity.pk, activity.name) if activity else (None, row["Activity"])
    meetings = [m for m in _MEETING_SEPARATORS.split(row.get("PEMeetingIDs", "")) if m]
    values["meeting_ids"] = meetings
    if len(set(meetings)) != len(meetings):
        error("PEMeetingIDs", _("A meeting ID is listed twice."))
    if any(len(m) > 50 for m in meetings):
        error("PEMeetingIDs", _("A meeting ID has at most 50 characters."))
    try:
        meeting_ids_check(meetings)
    except ValidationError as exc:
        error("PEMeetingIDs", " ".join(exc.messages))
    return {"values": values, "errors": errors}


def _parse_time(text: str) -> time | None:
    if match := _TIME.fullmatch(text):
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


def event_import_confirm(*, preview: Job, valid_only: bool, user=None) -> Job:
    """Accept a preview: a job makes its valid events once this commits."""
    with transaction.atomic():
        preview = Job.objects.select_for_update().get(pk=preview.pk, kind="event_import_preview")
        if preview.status != Job.SUCCEEDED:
            raise ValidationError(_("The file has not been checked yet; wait for its preview."))
        if preview.params.get("import_job_id"):
            raise ValidationError(_("This import has been confirmed already."))
        counts = preview.result["counts"]
        if counts["error"] and not valid_only:
            raise ValidationError(ngettext(
                "%(count)d row has errors, so nothing was imported. Correct the file and upload it again, or "
                "choose to import the valid rows only.",
                "%(count)d rows have errors, so nothing was imported. Correct the file and upload it again, or "
                "choose to import the valid rows only.", counts["error"]) % {"count": counts["error"]})
        job = job_launch(kind="event_import", title=text_later(lambda: _("Import of the events in %(file)s")
                                                               % {"file": preview.params["file_name"]}),
                         params={"preview_job_id": preview.pk}, user=user, total=counts["valid"])
        preview.params = {**preview.params, "import_job_id": job.pk}
        preview.save(update_fields=["params"])
    return job


@job_handler("event_import")
def event_import_job(job: Job, progress) -> dict:
    """Make the valid rows' events (and their PE Meeting IDs), in one transaction; an external ID taken
    since the preview is skipped, so running it again makes nothing twice."""
    preview = Job.objects.get(pk=job.params["preview_job_id"])
    course = Course.objects.get(pk=preview.params["course_id"])
    rows = [row["values"] for row in preview.result["rows"] if not row["errors"]]
    with transaction.atomic():
        taken = set(course.events.filter(external_id__in=[v["external_id"] for v in rows])
                    .values_list("external_id", flat=True))
        new = [v for v in rows if v["external_id"] not in taken]
        events = Event.objects.bulk_create([
            Event(course=course, activity_id=v["activity_id"], name=v["name"], date=date.fromisoformat(v["date"]),
                  end_time=time.fromisoformat(v["end_time"]) if v["end_time"] else None, location=v["location"],
                  external_id=v["external_id"])
            for v in new])
        EventAccreditation.objects.bulk_create([EventAccreditation(event=event, pe_meeting_ids=v["meeting_ids"])
                                                for event, v in zip(events, new, strict=True) if v["meeting_ids"]])
        audit_record_many([{"action": "event.create", "course_id": course.pk, **object_fields(event),
                            "summary": stored_text(format_lazy(gettext_lazy("Event {event} imported from {file}"),
                                                               event=event, file=preview.params["file_name"]))[:500]}
                           for event in events])
    progress.advance(len(rows))
    return {"created": len(events), "skipped": len(rows) - len(events),
            **text_result("events.imported", created=len(events), skipped=len(rows) - len(events)),
            "next_url": reverse("course_accreditation", args=[course.pk])}

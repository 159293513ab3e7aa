"""Reads for the subscription pages."""

import datetime
from collections.abc import Iterator, Sequence

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.integrations import ResultPart
from portal.models import Activity, Course, Learner, Template
from portal.selectors import learner_search
from portal.spreadsheet import choice_labels, csv_export_lines
from subscriptions.client import activity_type_label
from subscriptions.models import ActivityResult, LearnerGroup, Subscription


def catalogue_templates() -> QuerySet[Template]:
    return Template.objects.prefetch_related(
        Prefetch("courses", queryset=Course.objects.annotate(subscription_count=Count("subscriptions"))),
        Prefetch("activities", queryset=Activity.objects.order_by("part_id", "name")),
    )


def learner_subscriptions(*, learner: Learner) -> QuerySet[Subscription]:
    return learner.subscriptions.select_related("course", "course__template")


def subscriptions_list() -> QuerySet[Subscription]:
    """Every subscription with what the list shows of its learner and course (newest first)."""
    return Subscription.objects.select_related("learner", "course", "course__template")


# Each status as a condition on the flags Subscription.status reads (in the same order of precedence).
_NOT_EXPIRED = Q(expired=False)
STATUS_CONDITIONS = {
    Subscription.UNSUBSCRIBED: Q(finished=True) & _NOT_EXPIRED,
    Subscription.EXPIRED: Q(expired=True),
    Subscription.COMPLETED: Q(finished=False, completed=True) & _NOT_EXPIRED,
    Subscription.ACTIVE: Q(finished=False, completed=False, active=True) & _NOT_EXPIRED,
    Subscription.NOT_STARTED: Q(finished=False, completed=False, active=False) & _NOT_EXPIRED,
}


def subscriptions_with_status(subscriptions: QuerySet[Subscription], status: str) -> QuerySet[Subscription]:
    return subscriptions.filter(STATUS_CONDITIONS[status])


def subscribed_until(subscriptions: QuerySet[Subscription], day: datetime.date) -> QuerySet[Subscription]:
    """Subscribed on ``day`` (local time) or before."""
    next_day = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return subscriptions.filter(subscribe_date__lt=next_day)


EXPIRING_DAYS = 14
NOT_STARTED_DAYS = 30


def subscriptions_expiring() -> QuerySet[Subscription]:
    """Expiring today or in the next EXPIRING_DAYS days (the list's expiry filter, so the counts agree)."""
    today = timezone.localdate()
    return Subscription.objects.filter(expire_date__gte=today,
                                       expire_date__lte=today + datetime.timedelta(days=EXPIRING_DAYS))


def subscriptions_not_started() -> QuerySet[Subscription]:
    """Not started NOT_STARTED_DAYS days or more after subscribing."""
    day = timezone.localdate() - datetime.timedelta(days=NOT_STARTED_DAYS)
    return subscribed_until(subscriptions_with_status(Subscription.objects.all(), Subscription.NOT_STARTED), day)


# (path of the value, header): a coordinator reads it in a spreadsheet.
SUBSCRIPTION_EXPORT_COLUMNS = [
    ("learner.external_id", _("Learner's external ID")), ("learner.full_name", _("Learner")),
    ("learner.email", _("E-mail")), ("course.template.name", _("Template")),
    ("course.external_id", _("Course external ID")), ("course.name", _("Course")), ("status", _("Status")),
    ("progress_done", _("Progress done")), ("progress_total", _("Progress total")),
    ("knowledge_intake", _("Knowledge intake")), ("objectives_progress", _("Objectives progress")),
    ("grade", _("Grade")), ("start_date", _("Start date")), ("expire_date", _("Expiry date")),
    ("subscribe_date", _("Subscribed on")), ("complete_date", _("Completed on")),
    ("results_refreshed_at", _("Results refreshed")),
]
_STATUS_COLUMN = [path for path, _header in SUBSCRIPTION_EXPORT_COLUMNS].index("status")


def _attribute(record, path: str):
    for name in path.split("."):
        record = getattr(record, name)
    return record


def subscriptions_export_lines(*, subscriptions: QuerySet[Subscription], separator: str = ",") -> Iterator[str]:
    """The subscriptions as CSV lines (the audit export's format: the status as its label, looked up once),
    read in chunks: it streams."""
    statuses = choice_labels(Subscription.STATUS_LABELS.items())

    def row(subscription: Subscription) -> list:
        values = [_attribute(subscription, path) for path, _header in SUBSCRIPTION_EXPORT_COLUMNS]
        values[_STATUS_COLUMN] = statuses[values[_STATUS_COLUMN]]
        return values

    return csv_export_lines(header=[header for _path, header in SUBSCRIPTION_EXPORT_COLUMNS], separator=separator,
                            rows=(row(subscription) for subscription in subscriptions.iterator(chunk_size=2000)))


def subscription_result_parts(*, subscription: Subscription) -> list[dict]:
    """The activities of the last getResults answer, with the human type name, grouped by block order."""
    parts = []
    for part in subscription.results.get("parts", []):
        parts.append({**part, "type_label": activity_type_label(part.get("type", ""), part.get("sub_type")),
                      "multiple_attempts": any(a.get("attempt_nr", -1) != -1 for a in part.get("attempts", []))})
    return parts


def external_activities(*, course: Course) -> QuerySet[Activity]:
    """The activities of the course that scoreExternalActivity accepts: External, with an external ID."""
    return Activity.objects.filter(template_id=course.template_id, type="External", external_id__isnull=False)


def courses_for_subscribing() -> QuerySet[Course]:
    return Course.objects.select_related("template").order_by("template__name", "name")


def group_licences(*, group: LearnerGroup, course: Course) -> dict[str, int]:
    """What subscribing the group to the course will cost, by the portal's own records (two counts,
    whatever the group's size): its members, those already subscribed, and the licences the rest need."""
    members = group.members.count()
    subscribed = Subscription.objects.filter(course=course, finished=False, learner__learner_groups=group).count()
    return {"members": members, "subscribed": subscribed, "licences": members - subscribed}


# The most learners one search of the group page's member picker shows.
MEMBER_CANDIDATES_LIMIT = 20


# The most ticked learners the picker keeps across searches (a group grows by a page at a time).
MEMBER_PICKED_LIMIT = 250


def group_member_candidates(*, query: str, picked: Sequence[int] = ()) -> tuple[list[Learner], list[Learner]]:
    """The learners ticked so far (``picked``, kept ticked while the coordinator searches again) and the
    other active learners matching ``query``, to add to a group: a few, never all."""
    active = Learner.objects.filter(active=True)
    chosen = list(active.filter(pk__in=picked[:MEMBER_PICKED_LIMIT])) if picked else []
    if not query.strip():
        return chosen, []
    matches = learner_search(query=query, learners=active.exclude(pk__in=[learner.pk for learner in chosen]))
    return chosen, list(matches[:MEMBER_CANDIDATES_LIMIT])


def group_members(*, group: LearnerGroup | None) -> QuerySet[Learner]:
    if group is None:
        return Learner.objects.none()
    return group.members.order_by("last_name__name_sort", "first_name__name_sort", "id")


def learner_groups() -> QuerySet[LearnerGroup]:
    return LearnerGroup.objects.annotate(member_count=Count("members"))


def result_parts(*, activity_ids: Sequence[int]) -> Iterator[ResultPart]:
    """Stored results of these activities, app-neutral (registered as a portal result provider)."""
    rows = (ActivityResult.objects.filter(activity_id__in=list(activity_ids))
            .values_list("subscription__learner_id", "subscription__course_id", "activity_id", "completed", "passed",
                         "score", "complete_date"))
    for row in rows.iterator(chunk_size=5000):
        yield ResultPart(*row)

"""What every aNewSpring service shares: the audited client, the refs, and the audited action."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext as _

from portal.audit import audit_context, audit_record, audit_remote_call
from portal.models import AuditEvent, Course, Learner
from subscriptions.client import AnewspringClient, AnewspringError, CourseRef, LearnerRef

SYSTEM = "anewspring"


class AnewspringNotConfigured(AnewspringError):
    def __init__(self):
        super().__init__(_("aNewSpring is not configured."))


def anewspring_configured() -> bool:
    return bool(settings.ANEWSPRING_URL and settings.ANEWSPRING_API_KEY)


def anewspring_client(*, on_call=audit_remote_call) -> AnewspringClient:
    """The client with the configured address and timeouts; every call is audited by default."""
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    return AnewspringClient(settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY,
                            connect_timeout=settings.HTTP_CONNECT_TIMEOUT, read_timeout=settings.HTTP_READ_TIMEOUT,
                            on_call=on_call)


def learner_ref(learner: Learner) -> LearnerRef:
    # External IDs, not UIDs: a course UID is shared by all courses of a template.
    return LearnerRef(id=learner.anewspring_id)


def course_ref(course: Course) -> CourseRef:
    return CourseRef(id=course.external_id)


@contextmanager
def remote_action(action: str, *, learner: Learner | None = None, course: Course | None = None,
            obj=None) -> Iterator[None]:
    """Remote calls inside carry the learner/course; a failure is audited as the action failing."""
    with audit_context(learner=learner, course=course):
        try:
            yield
        except AnewspringError as exc:
            audit_record(action=action, system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE, learner=learner,
                         course=course, obj=obj, error=exc.message)
            raise

"""The only code that talks to aNewSpring's REST API (seeds 001/002, API-NOTES).

Typed references in, frozen dataclasses out, one exception family (:class:`AnewspringError`)
for everything that goes wrong. Learners and courses are named by external ID or by UID
(:class:`LearnerRef`, :class:`CourseRef`); the call decides where that goes (path or
query). The API key travels only in the ``X-API-Key`` header, never in a URL.
"""

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote, urlencode

import requests
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.http import RemoteCall, RemoteError, build_session, read_timed_out

SYSTEM = "anewspring"
DETAIL_LIMIT = 300
DOT_SEGMENTS = ("", ".", "..")  # path segments a URL resolves away
T = TypeVar("T")

# --- What the public documentation does not pin down --------------------------------------
# Everything below is a guess from seed 002 and API-NOTES; change it here when the real
# system disagrees, nowhere else.
#
# Sent as query parameters on every call (GET and POST alike): a body on a successful POST,
# errors as JSON instead of text/HTML.
COMMON_PARAMS = {"_returnSuccessMessage": "true", "_formatErrors": "true"}
# The UID form of an activity-level call puts the activity's external ID in this parameter.
ACTIVITY_PARAM = "activityID"
# subscribe: optional dates (not documented beyond the seed).
SUBSCRIBE_START, SUBSCRIBE_EXPIRE = "startDate", "expireDate"
# updateSubscription: expireDate and expired seen in public code; startDate from seed 002.
UPDATE_START, UPDATE_EXPIRE, UPDATE_EXPIRED = "startDate", "expireDate", "expired"
# scoreExternalActivity: a score (assumed a percentage 0-100), optional passed flag and date.
SCORE, SCORE_PASSED, SCORE_DATE = "score", "passed", "date"
# subscribeGroups: groups repeat this name. Seed 002 spells the UID form
# "POST /subscribe?courseUID=", taken to be a slip for subscribeGroups?courseUID=.
GROUP_PARAM = "groupID"
# The Dutch seed spells the UID form "updateSubscriptions"; the English one (used) does not.
UPDATE_CALL = "updateSubscription"
ADD_GROUP_TYPE, ADD_GROUP_NAME, ADD_GROUP_PARENT = "type", "name", "parent"
# addGroupUsers/deleteGroupUsers name members by their external user ID in the repeated "user".
GROUP_USER, IGNORE_DUPLICATES, IGNORE_MISSING = "user", "ignoreDuplicates", "ignoreMissing"
# getTemplates lists templates without an external ID only when asked (a public client's parameter).
INCLUDE_WITHOUT_ID = {"includeWithoutId": "true"}
# A 2xx answer to a POST means it was done, whatever the body says or however it is written
# (_returnSuccessMessage is a request, not a promise of JSON).
# A 404 from a call about one subscription (getResults of a course, updateSubscription,
# unsubscribe) is read as "not subscribed" (NotSubscribed); it may also mean an unknown learner
# or course, which aNewSpring's own message then says.
# Answer shapes not shown in the seeds: yes/no answers and the keys holding lists.
YES_NO_KEY = "result"  # isSubscribed, userExists -> {"result": true}
LIST_KEYS = {
    "getSubscriptions": "courses",
    "getResults": "courses",  # all results of one learner
    "getTemplates": "templates",
    "getCourses": "courses",
    "getGroupUsers": "users",
}
# ----------------------------------------------------------------------------------------------

# (type, subType) -> the name the aNewSpring user interface uses (seed 002's type list).
ACTIVITY_TYPE_LABELS = {
    ("Assessment", "Assessment"): gettext_lazy("Assessment"),
    ("Assessment", "RandomAssessment"): gettext_lazy("Random assessment"),
    ("Assessment", "FingerPrintAssessment"): gettext_lazy("Fingerprint assessment"),
    ("Assignment", "Assignment"): gettext_lazy("Assignment"),
    ("Certificate", "Certificate"): gettext_lazy("Certificate"),
    ("Evaluation", "Inquiry"): gettext_lazy("Questionnaire"),
    ("Evaluation", "Scan"): gettext_lazy("Scan"),
    ("Evaluation", "360-degrees"): gettext_lazy("360° feedback"),
    ("External", "External"): gettext_lazy("External activity"),
    ("External", "Webinar"): gettext_lazy("Webinar"),
    ("External", "LTI-1p0"): gettext_lazy("External activity with LTI"),
    ("External", "LTI-2p0"): gettext_lazy("External activity with LTI"),
    ("Lesson", "Lesson"): gettext_lazy("Lesson"),
    ("Lesson", "Documentation"): gettext_lazy("Documentation"),
    ("Scorm", "Scorm"): gettext_lazy("SCORM"),
    ("SkillAssignment", "SkillAssignment"): gettext_lazy("Hand-in assignment"),
    ("SkillAssignment", "VideoSkillAssignment"): gettext_lazy("Video hand-in assignment"),
}


def activity_type_label(type: str, sub_type: str | None) -> str:
    """The human name of an activity type; an unknown pair falls back to the raw sub type or type."""
    return ACTIVITY_TYPE_LABELS.get((type, sub_type)) or sub_type or type


class AnewspringError(RemoteError):
    """aNewSpring did not do what was asked; ``message`` is fit to show a coordinator."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message, system=SYSTEM, status=status, retryable=retryable)


class AlreadySubscribed(AnewspringError):
    """409 from subscribe: the learner has the subscription already (no licence was used)."""


class NotSubscribed(AnewspringError):
    """404 from a call on one subscription: aNewSpring has no such subscription (or learner, or course)."""


# --- References: by external ID (in the path) or by UID (in the query) -----------------------
@dataclass(frozen=True)
class _Ref:
    id: str | None = None
    uid: str | None = None

    uid_param: ClassVar[str]
    label: ClassVar[str]

    def __post_init__(self):
        if (self.id is None) == (self.uid is None):
            raise ValueError(f"{type(self).__name__} needs exactly one of id and uid")

    def describe(self) -> str:
        return self.label % (self.id if self.id is not None else f"UID {self.uid}")


@dataclass(frozen=True)
class LearnerRef(_Ref):
    """A learner (aNewSpring user) by external ID (``id``) or by ``uid``."""

    uid_param: ClassVar[str] = "userUID"
    label: ClassVar[str] = gettext_lazy("learner %s")


@dataclass(frozen=True)
class CourseRef(_Ref):
    """A course by external ID or by ``uid``; course UIDs are shared by all courses of one template."""

    uid_param: ClassVar[str] = "courseUID"
    label: ClassVar[str] = gettext_lazy("course %s")


def _address(*refs: _Ref, activity_id: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Path segments and query parameters naming ``refs`` (and an activity) in one addressing."""
    if len({ref.uid is None for ref in refs}) > 1:
        raise ValueError("Name the learner and the course the same way: both by external ID or both by UID.")
    if refs and refs[0].uid is not None:
        params = {ref.uid_param: ref.uid for ref in refs}
        return [], params | ({ACTIVITY_PARAM: activity_id} if activity_id else {})
    return [ref.id for ref in refs] + ([activity_id] if activity_id else []), {}


# --- Parsing helpers ---------------------------------------------------------------------------
def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    """An aware UTC datetime; aNewSpring writes UTC as ``...Z``."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _percent(value: Any) -> Decimal | None:
    """``"67%"`` -> ``Decimal("67")``; null stays None."""
    if value is None or value == "":
        return None
    return Decimal(str(value).strip().removesuffix("%").strip())


def _fraction(value: Any) -> float | None:
    """A number between 0 and 1 (1 means 100%)."""
    return None if value is None else float(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Progress:
    """``"11/16"``: 11 of the 16 available activities (or questions, in an attempt) done."""

    done: int
    total: int

    @classmethod
    def parse(cls, value: str | None) -> "Progress | None":
        if not value:
            return None
        done, total = value.split("/")
        return cls(int(done), int(total))

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.done}/{self.total}"


# --- Results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    id: str | None
    name: str
    max_score: Decimal | None
    score: Decimal | None

    @classmethod
    def from_json(cls, data: dict) -> "Criterion":
        return cls(data.get("id"), data["name"], _number(data.get("maxScore")), _number(data.get("score")))


@dataclass(frozen=True)
class ExamTerm:
    name: str
    max_score: Decimal | None
    score: Decimal | None
    threshold: Decimal | None

    @classmethod
    def from_json(cls, data: dict) -> "ExamTerm":
        return cls(data["name"], _number(data.get("maxScore")), _number(data.get("score")),
                   _number(data.get("threshold")))


@dataclass(frozen=True)
class Objective:
    name: str
    knowledge_intake: float | None
    target: float | None
    value: float | None

    @classmethod
    def from_json(cls, data: dict) -> "Objective":
        return cls(data["name"], _fraction(data.get("knowledgeIntake")), _fraction(data.get("target")),
                   _fraction(data.get("value")))


@dataclass(frozen=True)
class Attempt:
    attempt_nr: int
    completed: bool
    complete_date: date | None
    complete_datetime: datetime | None
    passed: bool | None
    progress: Progress | None
    score: Decimal | None  # percent
    start_date: date | None
    start_datetime: datetime | None
    criteria: tuple[Criterion, ...]
    terms: tuple[ExamTerm, ...]

    @property
    def multiple_attempts_allowed(self) -> bool:
        """aNewSpring numbers attempts only when several are allowed; otherwise attemptNr is -1."""
        return self.attempt_nr != -1

    @classmethod
    def from_json(cls, data: dict) -> "Attempt":
        return cls(
            attempt_nr=int(data["attemptNr"]), completed=bool(data.get("completed")),
            complete_date=_date(data.get("completeDate")), complete_datetime=_datetime(data.get("completeDateTime")),
            passed=data.get("passed"), progress=Progress.parse(data.get("progress")),
            score=_percent(data.get("score")), start_date=_date(data.get("startDate")),
            start_datetime=_datetime(data.get("startDateTime")),
            criteria=tuple(Criterion.from_json(c) for c in data.get("criteria") or ()),
            terms=tuple(ExamTerm.from_json(t) for t in data.get("terms") or ()),
        )


@dataclass(frozen=True)
class PartResult:
    """One activity ("part") of a course, with the learner's attempts.

    ``id`` is the activity's external ID (often None); ``uid`` is unique per template only.
    ``passed`` and ``score`` are None for Evaluation activities; ``passed`` is always False
    for activities without a threshold, such as lessons.
    """

    id: str | None
    uid: str
    part_id: int
    name: str
    block_name: str | None
    type: str
    sub_type: str | None
    completed: bool
    complete_date: date | None
    complete_datetime: datetime | None
    passed: bool | None
    score: Decimal | None  # percent
    attempts: tuple[Attempt, ...]

    @property
    def type_label(self) -> str:
        return activity_type_label(self.type, self.sub_type)

    @property
    def is_external(self) -> bool:
        """Only external activities can be scored through the API."""
        return self.type == "External"

    @classmethod
    def from_json(cls, data: dict) -> "PartResult":
        return cls(
            id=data.get("id"), uid=data["uid"], part_id=int(data["partId"]), name=data["name"],
            block_name=data.get("blockName"), type=data["type"], sub_type=data.get("subType"),
            completed=bool(data.get("completed")), complete_date=_date(data.get("completeDate")),
            complete_datetime=_datetime(data.get("completeDateTime")), passed=data.get("passed"),
            score=_percent(data.get("score")),
            attempts=tuple(Attempt.from_json(a) for a in data.get("attempts") or ()),
        )


@dataclass(frozen=True)
class Subscription:
    """A learner's subscription to a course, as getSubscriptions lists it."""

    course_id: str | None  # "id": the course's external ID
    course_uid: str | None  # "uid": shared by the courses of one template
    name: str
    active: bool  # the learner has started
    efficiency: float | None
    expired: bool
    finished: bool  # expired or unsubscribed
    knowledge_intake: float | None
    objectives_progress: float | None
    progress: Progress | None
    reseller: str | None  # the subenvironment's external ID
    start_date: date | None
    start_datetime: datetime | None
    subscribe_date: date | None
    subscribe_datetime: datetime | None

    @classmethod
    def _kwargs(cls, data: dict) -> dict[str, Any]:
        return dict(
            course_id=data.get("id"), course_uid=data.get("uid"), name=data["name"],
            active=bool(data.get("active")), efficiency=_fraction(data.get("efficiency")),
            expired=bool(data.get("expired")), finished=bool(data.get("finished")),
            knowledge_intake=_fraction(data.get("knowledgeIntake")),
            objectives_progress=_fraction(data.get("objectivesProgress")),
            progress=Progress.parse(data.get("progress")), reseller=data.get("reseller") or None,
            start_date=_date(data.get("startDate")), start_datetime=_datetime(data.get("startDateTime")),
            subscribe_date=_date(data.get("subscribeDate")),
            subscribe_datetime=_datetime(data.get("subscribeDateTime")),
        )

    @classmethod
    def from_json(cls, data: dict) -> "Subscription":
        return cls(**cls._kwargs(data))


@dataclass(frozen=True)
class CourseResult(Subscription):
    """getResults for one subscription: the subscription plus completion, grade, objectives and parts."""

    completed: bool
    complete_date: date | None
    complete_datetime: datetime | None
    grade: Decimal | None  # percent of the "Base course grade on" activity
    grade_date: date | None
    grade_datetime: datetime | None
    last_training_completed_date: date | None
    last_training_completed_datetime: datetime | None
    objectives: tuple[Objective, ...]
    parts: tuple[PartResult, ...]

    def part(self, uid: str) -> PartResult | None:
        return next((p for p in self.parts if p.uid == uid), None)

    @classmethod
    def from_json(cls, data: dict) -> "CourseResult":
        return cls(
            **cls._kwargs(data),
            completed=bool(data.get("completed")), complete_date=_date(data.get("completeDate")),
            complete_datetime=_datetime(data.get("completeDateTime")), grade=_percent(data.get("grade")),
            grade_date=_date(data.get("gradeDate")), grade_datetime=_datetime(data.get("gradeDateTime")),
            last_training_completed_date=_date(data.get("lastTrainingCompletedDate")),
            last_training_completed_datetime=_datetime(data.get("lastTrainingCompletedDateTime")),
            objectives=tuple(Objective.from_json(o) for o in data.get("objectives") or ()),
            parts=tuple(PartResult.from_json(p) for p in data.get("parts") or ()),
        )


@dataclass(frozen=True)
class Template:
    id: str | None
    uid: str
    name: str

    @classmethod
    def from_json(cls, data: dict) -> "Template":
        return cls(data.get("id"), data["uid"], data["name"])


@dataclass(frozen=True)
class CourseInfo:
    id: str | None
    uid: str
    name: str
    template_id: str | None
    reseller: str | None
    start_date: date | None
    expire_date: date | None

    @classmethod
    def from_json(cls, data: dict) -> "CourseInfo":
        return cls(data.get("id"), data["uid"], data["name"], data.get("template"), data.get("reseller") or None,
                   _date(data.get("startDate")), _date(data.get("expireDate")))


@dataclass(frozen=True)
class User:
    """An aNewSpring user; ``id`` is the external ID. As input, None fields are left alone."""

    id: str | None = None
    uid: str | None = None
    login: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    title: str | None = None
    initials: str | None = None
    email: str | None = None
    function: str | None = None
    company: str | None = None
    date_of_birth: date | None = None
    telephone_number: str | None = None
    cell_phone_number: str | None = None
    address: str | None = None
    zip: str | None = None
    residence: str | None = None
    country: str | None = None
    custom1: str | None = None
    custom2: str | None = None
    custom3: str | None = None
    custom4: str | None = None
    custom5: str | None = None
    locale: str | None = None
    active: bool | None = None
    role: str | None = None  # on add: student, teacher, mentor, ...

    IDENTITY: ClassVar[frozenset[str]] = frozenset({"id", "uid"})

    @classmethod
    def from_json(cls, data: dict) -> "User":
        if not (data.get("id") or data.get("uid")):  # an answer that names nobody is not a user
            raise ValueError("the user has neither id nor uid")
        values = {f.name: data.get(_camel(f.name)) for f in fields(cls)}
        values["date_of_birth"] = _date(values["date_of_birth"])
        return cls(**values)

    def to_form(self, *, adding: bool) -> dict[str, str]:
        """The fields to send, under aNewSpring's names; the IDs travel in the path and the role
        only when the user is added (API-NOTES: role "on add")."""
        skip = self.IDENTITY if adding else self.IDENTITY | {"role"}
        return {_camel(f.name): _form_value(getattr(self, f.name))
                for f in fields(self) if f.name not in skip and getattr(self, f.name) is not None}


@dataclass(frozen=True)
class GroupUser:
    """A member as getGroupUsers lists them; ``id`` is the external ID (None when the user has none)."""

    id: str | None
    uid: str
    name: str
    login: str | None
    email: str | None
    active: bool | None

    @classmethod
    def from_json(cls, data: dict) -> "GroupUser":
        return cls(data.get("id"), data["uid"], data.get("name") or "", data.get("login"), data.get("email"),
                   data.get("active"))


# What a call's 404 or 409 means, when it says more than "not known" / "conflict".
_Errors = dict[int, tuple[type[AnewspringError], str]]


def _not_subscribed(learner: LearnerRef, course: CourseRef) -> _Errors:
    return {404: (NotSubscribed, _("%(learner)s is not subscribed to %(course)s in aNewSpring (or aNewSpring does "
                                   "not know them).") % {"learner": capfirst(learner.describe()),
                                                         "course": course.describe()})}


def _yes_no(data: dict) -> bool:
    return bool(data[YES_NO_KEY])


def _form_value(value: Any) -> str:
    """Form encoding as aNewSpring wants it: booleans true/false, dates YYYY-MM-DD."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _form(**values: Any) -> dict[str, Any]:
    """A form without the unset (None) values."""
    return {name: _form_value(v) for name, v in values.items() if v is not None}


def plain_text(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Readable text from an error body: no markup or scripts, one line, at most ``limit`` characters."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?s)<!--.*?-->|<[^>]*>", " ", text)
    text = " ".join(html.unescape(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _error_detail(response: requests.Response) -> str:
    """What aNewSpring said about an error: the JSON ``errors`` when formatted, else the text."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    if errors:
        return plain_text("; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors))
    return plain_text(response.text or "")


def anewspring_session(api_key: str, *, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                       on_call: Callable[[RemoteCall], None] | None = None, **retry: Any) -> requests.Session:
    """The session :class:`AnewspringClient` uses; ``retry`` passes ``retries``/``backoff`` on."""
    return build_session(
        system=SYSTEM, label="aNewSpring", error=AnewspringError,
        connect_timeout=connect_timeout, read_timeout=read_timeout, secrets=[api_key],
        headers={"X-API-Key": api_key, "Accept": "application/json"}, on_call=on_call, **retry,
    )


class AnewspringClient:
    """aNewSpring's subscription, result, user, group and course calls.

    ``base_url`` is the learning environment's address (``https://academy.example.org``;
    a trailing ``/api`` is accepted too). A ``session`` from :func:`anewspring_session` (for
    other retry settings) replaces the timeouts and ``on_call`` given here.
    """

    def __init__(self, base_url: str, api_key: str, *, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 on_call: Callable[[RemoteCall], None] | None = None, session: requests.Session | None = None):
        self.api_url = base_url.rstrip("/").removesuffix("/api") + "/api"
        self.session = session or anewspring_session(
            api_key, connect_timeout=connect_timeout, read_timeout=read_timeout, on_call=on_call)

    # --- subscriptions and results ------------------------------------------------------------
    def is_subscribed(self, learner: LearnerRef, course: CourseRef) -> bool:
        return self._get("isSubscribed", _yes_no, learner, course)

    def get_subscriptions(self, learner: LearnerRef) -> list[Subscription]:
        return self._get_list("getSubscriptions", Subscription.from_json, learner)

    def get_results(self, learner: LearnerRef) -> list[CourseResult]:
        """The results of all the learner's subscriptions."""
        return self._get_list("getResults", CourseResult.from_json, learner)

    def get_course_results(self, learner: LearnerRef, course: CourseRef) -> CourseResult:
        return self._get("getResults", CourseResult.from_json, learner, course, errors=_not_subscribed(learner, course))

    def subscribe(self, learner: LearnerRef, course: CourseRef, *, start_date: date | None = None,
                  expire_date: date | None = None) -> None:
        """Subscribe (uses a licence): check :meth:`is_subscribed` first, never retry blindly.

        Raises :class:`AlreadySubscribed` on a 409 (someone subscribed the learner in between)."""
        message = _("%(learner)s is already subscribed to %(course)s.") % {
            "learner": capfirst(learner.describe()), "course": course.describe()}
        self._post("subscribe", learner, course,
                   form=_form(**{SUBSCRIBE_START: start_date, SUBSCRIBE_EXPIRE: expire_date}),
                   errors={409: (AlreadySubscribed, message)})

    def subscribe_groups(self, course: CourseRef, group_ids: Sequence[str]) -> None:
        """Subscribe every learner of these learner groups (external group IDs)."""
        self._post("subscribeGroups", course, form={GROUP_PARAM: list(group_ids)},
                   subject=get_text_list([course.describe(), *(_("group %s") % g for g in group_ids)], _("or")))

    def update_subscription(self, learner: LearnerRef, course: CourseRef, *, start_date: date | None = None,
                            expire_date: date | None = None, expired: bool | None = None) -> None:
        form = _form(**{UPDATE_START: start_date, UPDATE_EXPIRE: expire_date, UPDATE_EXPIRED: expired})
        if not form:
            raise ValueError("update_subscription needs start_date, expire_date or expired")
        self._post(UPDATE_CALL, learner, course, form=form, errors=_not_subscribed(learner, course))

    def unsubscribe(self, learner: LearnerRef, course: CourseRef) -> None:
        """End the subscription; aNewSpring keeps the results and marks it finished."""
        self._post("unsubscribe", learner, course, errors=_not_subscribed(learner, course))

    def score_external_activity(self, learner: LearnerRef, course: CourseRef, activity_id: str, *,
                                score: Decimal | int | float, passed: bool | None = None,
                                completed_on: date | None = None) -> None:
        """Register a score (percentage) on an External activity, named by its external ID."""
        self._post("scoreExternalActivity", learner, course, activity_id=activity_id,
                   form=_form(**{SCORE: score, SCORE_PASSED: passed, SCORE_DATE: completed_on}))

    # --- templates and courses -------------------------------------------------------------------
    def get_templates(self) -> list[Template]:
        """Every template, also those without an external ID (their ``id`` is None)."""
        return self._get_list("getTemplates", Template.from_json, query=INCLUDE_WITHOUT_ID)

    def get_courses(self, template_id: str) -> list[CourseInfo]:
        """The courses of a template, named by its external ID (a UID in this path names nothing)."""
        return self._get_list("getCourses", CourseInfo.from_json, ids=[template_id],
                              subject=_("template %s") % template_id)

    def get_course(self, course_id: str) -> CourseInfo:
        return self._get("getCourse", CourseInfo.from_json, ids=[course_id], subject=_("course %s") % course_id)

    # --- users and groups ------------------------------------------------------------------------
    def user_exists(self, user_id: str) -> bool:
        return self._get("userExists", _yes_no, ids=[user_id])

    def get_user(self, user_id: str) -> User:
        return self._get("getUser", User.from_json, ids=[user_id], subject=_("user %s") % user_id)

    def add_user(self, user: User) -> None:
        """Create a user, with their role; fails with "already exists" when the external ID is taken."""
        self._post("addUser", ids=[self._user_id(user)], form=user.to_form(adding=True),
                   errors={409: (AnewspringError, _("User %s already exists in aNewSpring.") % user.id)})

    def add_or_update_user(self, user: User) -> None:
        """Create the user or change the fields that are set (not None); the role is never sent, as
        aNewSpring takes it only when a user is added (use :meth:`add_user` for that)."""
        self._post("addOrUpdateUser", ids=[self._user_id(user)], form=user.to_form(adding=False))

    def group_exists(self, group_id: str) -> bool:
        return self._get("groupExists", _yes_no, ids=[group_id])

    def add_group(self, group_id: str, *, name: str, type: str = "student", parent: str | None = None) -> None:
        # Short of a wrong base URL, addGroup's only 404 is an unknown parent.
        self._post("addGroup", ids=[group_id], subject=_("parent group %s") % parent if parent else None,
                   form=_form(**{ADD_GROUP_TYPE: type, ADD_GROUP_NAME: name, ADD_GROUP_PARENT: parent}),
                   errors={409: (AnewspringError, _("Group %s already exists in aNewSpring.") % group_id)})

    def add_group_users(self, group_id: str, user_ids: Iterable[str], *, ignore_duplicates: bool = False) -> None:
        user_ids = list(user_ids)
        self._post("addGroupUsers", ids=[group_id],
                   form={GROUP_USER: user_ids, IGNORE_DUPLICATES: _form_value(ignore_duplicates)},
                   subject=get_text_list([_("group %s") % group_id, *(_("user %s") % u for u in user_ids)], _("or")),
                   errors={409: (AnewspringError, _("A user is already in group %s or lacks the role its type "
                                                    "needs.") % group_id)})

    def delete_group_users(self, group_id: str, user_ids: Iterable[str], *, ignore_missing: bool = True) -> None:
        """Take users (external IDs) out of a group; with ``ignore_missing`` users not in it are no error."""
        self._post("deleteGroupUsers", ids=[group_id],
                   form={GROUP_USER: list(user_ids), IGNORE_MISSING: _form_value(ignore_missing)},
                   subject=_("group %s") % group_id,
                   errors={409: (AnewspringError, _("A user is not in group %s.") % group_id)})

    def get_group_users(self, group_id: str) -> list[GroupUser]:
        return self._get_list("getGroupUsers", GroupUser.from_json, ids=[group_id], subject=_("group %s") % group_id)

    # --- plumbing ----------------------------------------------------------------------------------
    @staticmethod
    def _user_id(user: User) -> str:
        if not user.id:
            raise ValueError("The user needs an external ID (User.id).")
        return user.id

    def _get(self, call: str, parse: Callable[[Any], T], *refs: _Ref, activity_id: str | None = None,
             ids: Sequence[str] = (), subject: str | None = None, query: dict[str, str] | None = None,
             errors: _Errors | None = None) -> T:
        """GET and turn the JSON into dataclasses; an answer of the wrong shape is reported, not a crash."""
        data = self._send("GET", call, refs, activity_id=activity_id, ids=ids, subject=subject, query=query,
                          errors=errors)
        try:
            return parse(data)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise AnewspringError(
                _("aNewSpring sent an answer of an unexpected shape (%(call)s): %(error)s")
                % {"call": call, "error": f"{type(exc).__name__}: {exc}"}
            ) from exc

    def _get_list(self, call: str, item: Callable[[dict], T], *refs: _Ref, **kwargs: Any) -> list[T]:
        """A GET answering ``{<LIST_KEYS[call]>: [...]}``."""
        return self._get(call, lambda data: [item(entry) for entry in data[LIST_KEYS[call]]], *refs, **kwargs)

    def _post(self, call: str, *refs: _Ref, activity_id: str | None = None, ids: Sequence[str] = (),
              form: dict[str, Any] | None = None, subject: str | None = None,
              errors: _Errors | None = None) -> None:
        self._send("POST", call, refs, activity_id=activity_id, ids=ids, form=form or {}, subject=subject,
                   errors=errors)

    def _send(self, method: str, call: str, refs: Sequence[_Ref], *, activity_id: str | None,
              ids: Sequence[str], form: dict[str, Any] | None = None, subject: str | None = None,
              query: dict[str, str] | None = None, errors: _Errors | None = None) -> Any:
        """One call: build the URL for either addressing, send, map failures to AnewspringError."""
        segments, params = _address(*refs, activity_id=activity_id)
        segments = [*ids, *segments]
        # Quoting keeps "/" inside one segment, but "." and ".." stay as they are (requests even decodes
        # "%2E" back to "."), and the URL is then resolved: learner "." on course X asked about course X
        # as if it were the learner. Such an ID, or an empty one, is never sent.
        if (odd := next((s for s in segments if s in DOT_SEGMENTS), None)) is not None:
            raise AnewspringError(_("%(id)r cannot be sent to aNewSpring as an ID (%(call)s): it would name "
                                    "another address.") % {"id": odd, "call": call})
        # The query goes into the URL itself (not params=) so the reported RemoteCall shows it.
        url = "/".join([self.api_url, call, *(quote(s, safe="") for s in segments)])
        url += "?" + urlencode(params | (query or {}) | COMMON_PARAMS)
        if subject is None and (refs or activity_id):
            subject = get_text_list(
                [r.describe() for r in refs] + ([_("activity %s") % activity_id] if activity_id else []), _("or"))
        try:
            response = self.session.request(method, url, data=form)
        except requests.RequestException as exc:
            if isinstance(exc, requests.Timeout) or read_timed_out(exc):
                message = _("aNewSpring did not answer in time (%(call)s).") % {"call": call}
            else:
                message = _("aNewSpring could not be reached (%(call)s).") % {"call": call}
            raise AnewspringError(message, retryable=True) from exc
        if not response.ok:
            raise self._error(response, call, subject, errors or {})
        if method == "POST":
            return None
        try:
            return response.json()
        except ValueError:
            raise AnewspringError(
                _("aNewSpring sent an answer that could not be read (%(call)s): %(detail)s")
                % {"call": call, "detail": plain_text(response.text) or _("empty answer")},
                status=response.status_code,
            ) from None

    @staticmethod
    def _error(response: requests.Response, call: str, subject: str | None, errors: _Errors) -> AnewspringError:
        status = response.status_code
        retryable = status == 429 or status >= 500
        error_class = AnewspringError
        if status in errors:
            error_class, message = errors[status]
        elif status in (401, 403):
            message = _("aNewSpring refused the API key (HTTP %(status)s).") % {"status": status}
        elif status == 404:
            message = capfirst(_("%(subject)s is not known in aNewSpring.")
                               % {"subject": subject or _("the call %s") % call})
        elif status == 409:
            message = _("aNewSpring reports a conflict: the object already exists.")
        elif status == 429:
            message = _("aNewSpring asks to slow down; try again later.")
        elif retryable:
            message = _("aNewSpring has a problem (HTTP %(status)s); try again later.") % {"status": status}
        else:
            message = _("aNewSpring rejected the request (HTTP %(status)s).") % {"status": status}
        detail = _error_detail(response)
        if detail:
            message = _("%(message)s aNewSpring says: %(detail)s") % {"message": message, "detail": detail}
        return error_class(message, status=status, retryable=retryable)

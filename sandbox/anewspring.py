"""A stateful stand-in for the aNewSpring REST API, after seeds 001/002 and API-NOTES.

It answers ``/api/<call>`` like the real system: the key in ``X-API-Key``, form-encoded
POSTs, external IDs in the path or UIDs in the query, JSON shaped as in the seed
examples, ``_formatErrors``/``_returnSuccessMessage`` honoured. Where the seeds are
silent (answer shapes of the user, group and course calls, success messages, what
``isSubscribed`` says after an unsubscribe) the choices are noted where they are made.
Tests and the demo change the state directly with the ``add_*``, ``subscribe`` and
``complete_activity`` methods.
"""

import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

from sandbox.server import SandboxApp, SandboxRequest, SandboxResponse

DEFAULT_API_KEY = "sandbox-key"

# The demo learner whose results for the demo course are the seed's getResults example.
DEMO_LEARNER_ID = "LEARNER-0001"
DEMO_LEARNER_UID = "5d1c3a6e-2f4b-4c1e-9a57-0b6f1e2d3c4a"
DEMO_COURSE_ID = "EXAMPLECOURSE-0001"
DEMO_COURSE_UID = "a62b0793-7682-11eb-b67e-06575dd7e8c5"
DEMO_TEMPLATE_ID = "EXAMPLETEMPLATE"
# A second template whose courses share one UID (seed: course UIDs are unique per template only).
WOUND_TEMPLATE_ID = "WOUNDCARE"
WOUND_COURSE_IDS = ("WOUNDCARE-2026-01", "WOUNDCARE-2026-02")
WOUND_EXTERNAL_ACTIVITY_ID = "WOUND-PRACTICAL"
DEMO_GROUP_ID = "GRP-NURSES"

USER_FIELDS = (
    "login", "firstName", "middleName", "lastName", "gender", "title", "initials", "email",
    "function", "company", "dateOfBirth", "telephoneNumber", "cellPhoneNumber", "address", "zip",
    "residence", "country", "custom1", "custom2", "custom3", "custom4", "custom5", "locale",
    "active", "role",
)
GROUP_TYPES = ("student", "teacher", "mentor")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def sign_webhook(body: bytes, secret: str) -> str:
    """The ``X-WebHook-Signature`` aNewSpring puts on a webhook: Base64(HMAC-SHA1(raw body, secret))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class ApiError(Exception):
    """An answer other than 200; rendered as text or, with ``_formatErrors=true``, as JSON."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _day(moment: datetime | date | None) -> str | None:
    if isinstance(moment, datetime):
        moment = moment.date()
    return moment.isoformat() if moment else None


def _percent(score: Decimal | None) -> str | None:
    return None if score is None else f"{score.normalize():f}%"


@dataclass
class Activity:
    """A part of a template; ``id`` is the external ID, unset (null) for most activities."""

    uid: str
    part_id: int
    name: str
    type: str
    sub_type: str
    block_name: str = "Block 1"
    id: str | None = None
    multiple_attempts: bool = False
    threshold: Decimal | None = None
    criteria: list[dict] = field(default_factory=list)  # {"id", "name", "maxScore"}
    terms: list[dict] = field(default_factory=list)  # {"name", "maxScore", "threshold"}

    @property
    def scored(self) -> bool:
        """Evaluation activities have neither a score nor a passed flag (seed: always null)."""
        return self.type != "Evaluation"


@dataclass
class Template:
    id: str | None  # the external ID; a template may have none
    uid: str
    name: str
    course_uid: str  # shared by every course of this template (seed 002)
    activities: list[Activity] = field(default_factory=list)
    objectives: list[dict] = field(default_factory=list)  # {"name", "target"}
    grade_activity: str | None = None  # uid of the "Base course grade on" activity


@dataclass
class Course:
    id: str
    name: str
    template: Template
    reseller: str = ""
    start_date: date | None = None
    expire_date: date | None = None

    @property
    def uid(self) -> str:
        return self.template.course_uid


@dataclass
class User:
    uid: str
    id: str
    fields: dict = field(default_factory=dict)

    @property
    def role(self) -> str:
        return self.fields.get("role") or "student"


@dataclass
class Group:
    id: str
    type: str
    name: str
    parent: str | None = None
    members: list[str] = field(default_factory=list)  # user uids


@dataclass
class Attempt:
    nr: int
    started: datetime
    completed: datetime | None = None
    passed: bool | None = None
    score: Decimal | None = None
    progress: str | None = None
    criteria: list[dict] = field(default_factory=list)
    terms: list[dict] = field(default_factory=list)


@dataclass
class Subscription:
    user: User
    course: Course
    subscribed: datetime
    started: datetime
    expire_date: date | None = None
    active: bool = False
    expired_flag: bool = False
    unsubscribed: bool = False
    efficiency: float = 0.0
    knowledge_intake: float = 0.0
    objectives_progress: float = 0.0
    objective_values: dict[str, dict] = field(default_factory=dict)  # name -> {"value", "knowledgeIntake"}
    last_training: datetime | None = None
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)  # activity uid -> attempts

    @property
    def expired(self) -> bool:
        return self.expired_flag or (self.expire_date is not None and self.expire_date < _now().date())

    @property
    def finished(self) -> bool:
        return self.expired or self.unsubscribed

    def last_completed(self, activity: Activity) -> Attempt | None:
        done = [a for a in self.attempts.get(activity.uid, []) if a.completed]
        return done[-1] if done else None


class AnewspringSandbox(SandboxApp):
    """The fake aNewSpring; its state is plain Python guarded by the base class's lock."""

    name = "anewspring"

    def __init__(self, api_key: str = DEFAULT_API_KEY):
        super().__init__()
        self.api_key = api_key
        self.users: dict[str, User] = {}  # by external ID
        self.templates: dict[str, Template] = {}  # by external ID, or by uid when it has none
        self.courses: dict[str, Course] = {}
        self.groups: dict[str, Group] = {}
        self.subscriptions: dict[tuple[str, str], Subscription] = {}  # (user id, course id)
        self._next_part_id = 1000
        self.routes = {
            ("GET", "isSubscribed"): self._is_subscribed,
            ("GET", "getSubscriptions"): self._get_subscriptions,
            ("GET", "getResults"): self._get_results,
            ("GET", "getTemplates"): self._get_templates,
            ("GET", "getCourses"): self._get_courses,
            ("GET", "getCourse"): self._get_course,
            ("GET", "userExists"): self._user_exists,
            ("GET", "getUser"): self._get_user,
            ("GET", "getGroupUsers"): self._get_group_users,
            ("GET", "groupExists"): self._group_exists,
            ("GET", "getStudentSubscriptions"): self._get_student_subscriptions,
            ("POST", "subscribe"): self._subscribe,
            # Seed 002 spells the UID form "POST /subscribe?courseUID=", surely a slip for
            # subscribeGroups; the sandbox answers subscribeGroups?courseUID= (see _subscribe).
            ("POST", "subscribeGroups"): self._subscribe_groups,
            ("POST", "updateSubscription"): self._update_subscription,
            ("POST", "unsubscribe"): self._unsubscribe,
            ("POST", "scoreExternalActivity"): self._score_external_activity,
            ("POST", "addOrUpdateUser"): self._add_or_update_user,
            ("POST", "addUser"): self._add_user,
            ("POST", "addGroup"): self._add_group,
            ("POST", "addGroupUsers"): self._add_group_users,
            ("POST", "deleteGroupUsers"): self._delete_group_users,
        }

    # ------------------------------------------------------------------ demo data
    @classmethod
    def with_demo_data(cls, api_key: str = DEFAULT_API_KEY) -> "AnewspringSandbox":
        """A sandbox with the seed's example course and learner plus a few more to click through."""
        app = cls(api_key)
        app.add_template(
            DEMO_TEMPLATE_ID, "Example template", course_uid=DEMO_COURSE_UID,
            objectives=[{"name": "Example objective", "target": 0.8}],
            activities=[
                Activity(uid="8e28909d-ff9d-4813-9007-dc7c785c62b0", part_id=118, name="Example hand-in assignment",
                         type="SkillAssignment", sub_type="SkillAssignment", threshold=Decimal(55),
                         criteria=[{"id": "EXAMPLECRI-001", "name": "Criterion 1", "maxScore": 100},
                                   {"id": "EXAMPLECRI-002", "name": "Criterion 2", "maxScore": 100}]),
                Activity(uid="c94d938b-0084-4a97-a51c-61e23478c462", part_id=223, name="Example assessment",
                         type="Assessment", sub_type="Assessment", multiple_attempts=True, threshold=Decimal(55),
                         terms=[{"name": f"Exam term {n}", "maxScore": 1, "threshold": 0} for n in (1, 2, 3)]),
            ],
            grade_activity="c94d938b-0084-4a97-a51c-61e23478c462",
        )
        app.add_course(DEMO_COURSE_ID, DEMO_TEMPLATE_ID, "Example course", reseller="EXAMPLEID")
        app.add_template(
            WOUND_TEMPLATE_ID, "Wound care update",
            activities=[
                Activity(uid=str(uuid.uuid4()), part_id=301, name="Introduction", type="Lesson", sub_type="Lesson"),
                Activity(uid=str(uuid.uuid4()), part_id=302, name="Practical skills day", type="External",
                         sub_type="External", id=WOUND_EXTERNAL_ACTIVITY_ID, threshold=Decimal(60)),
                Activity(uid=str(uuid.uuid4()), part_id=303, name="Live Q&A", type="External", sub_type="Webinar",
                         id="WOUND-WEBINAR"),
                Activity(uid=str(uuid.uuid4()), part_id=304, name="Final test", type="Assessment",
                         sub_type="Assessment", id="WOUND-TEST", multiple_attempts=True, threshold=Decimal(70),
                         terms=[{"name": "Theory", "maxScore": 10, "threshold": 6}]),
                Activity(uid=str(uuid.uuid4()), part_id=305, name="Course evaluation", type="Evaluation",
                         sub_type="Inquiry", id="WOUND-EVAL", block_name="Block 2"),
                Activity(uid=str(uuid.uuid4()), part_id=306, name="Certificate of completion", type="Certificate",
                         sub_type="Certificate", id="WOUND-CERT", block_name="Block 2"),
            ],
        )
        for course_id, start in zip(WOUND_COURSE_IDS, (date(2026, 1, 12), date(2026, 3, 9)), strict=True):
            app.add_course(course_id, WOUND_TEMPLATE_ID, f"Wound care update {start:%B %Y}", reseller="SUBENV-001",
                           start_date=start, expire_date=date(start.year + 1, start.month, start.day))
        app.add_template("DEMO-FREE", "Demo: try the platform", activities=[
            Activity(uid=str(uuid.uuid4()), part_id=401, name="SCORM tour", type="Scorm", sub_type="Scorm"),
        ])
        app.add_course("DEMO-FREE-1", "DEMO-FREE", "Demo: try the platform")
        # A template nobody gave an external ID yet: listed, but its courses cannot be read.
        app.add_template(None, "Onboarding (draft)", uid="0d5e7c0a-9b1f-4e55-8a63-2f7d3c1e9b10")

        app.add_user(DEMO_LEARNER_ID, uid=DEMO_LEARNER_UID, login="a.jansen", firstName="Anna", lastName="Jansen",
                     email="a.jansen@example.org", custom1="19/39054148101", locale="nl_NL")
        app.add_user("LEARNER-0002", login="j.devries", firstName="Jan", middleName="de", lastName="Vries",
                     email="j.devries@example.org", custom1="52/123456", locale="nl_NL")
        app.add_user("LEARNER-0003", login="s.smith", firstName="Sam", lastName="Smith",
                     email="s.smith@example.org", locale="en_GB")
        app.add_user("TEACHER-0001", login="t.bakker", firstName="Tess", lastName="Bakker", role="teacher")
        app.add_group(DEMO_GROUP_ID, "student", "Nurses 2026", members=["LEARNER-0002", "LEARNER-0003"])

        sub = app.subscribe(DEMO_LEARNER_ID, DEMO_COURSE_ID, subscribed=_utc("2020-02-05T09:00:12Z"),
                            started=_utc("2020-02-05T15:38:35Z"))
        sub.efficiency, sub.knowledge_intake, sub.objectives_progress = 0.5, 0.4, 0.375
        sub.objective_values["Example objective"] = {"value": 0.3, "knowledgeIntake": 0.5}
        sub.last_training = _utc("2020-02-12T08:05:23Z")
        app.complete_activity(DEMO_LEARNER_ID, DEMO_COURSE_ID, "8e28909d-ff9d-4813-9007-dc7c785c62b0",
                              score=100, passed=True, criteria_scores=[100, 100],
                              started=_utc("2020-02-12T14:14:38Z"), completed=_utc("2020-02-12T14:20:21Z"))
        # The seed elides attempt 1 ("..."); a failed first try is our invention.
        app.complete_activity(DEMO_LEARNER_ID, DEMO_COURSE_ID, "c94d938b-0084-4a97-a51c-61e23478c462",
                              score=33, passed=False, progress="3/3", term_scores=[1, 0, 0],
                              started=_utc("2020-02-13T09:02:10Z"), completed=_utc("2020-02-13T09:09:45Z"))
        app.complete_activity(DEMO_LEARNER_ID, DEMO_COURSE_ID, "c94d938b-0084-4a97-a51c-61e23478c462",
                              score=67, passed=True, progress="3/3", term_scores=[1, 1, 1],
                              started=_utc("2020-02-13T16:20:31Z"), completed=_utc("2020-02-13T16:23:55Z"))
        app.subscribe(DEMO_LEARNER_ID, WOUND_COURSE_IDS[0])
        app.subscribe("LEARNER-0002", WOUND_COURSE_IDS[0])
        return app

    # ------------------------------------------------------- state for tests/demo
    def add_template(self, id: str | None, name: str, *, activities=(), uid: str | None = None,
                     course_uid: str | None = None, objectives=(), grade_activity: str | None = None) -> Template:
        """A template; with ``id=None`` it has no external ID, and tests name it by its ``uid``."""
        with self.lock:
            template = Template(id=id, uid=uid or str(uuid.uuid4()), name=name,
                                course_uid=course_uid or str(uuid.uuid4()), activities=list(activities),
                                objectives=list(objectives), grade_activity=grade_activity)
            self.templates[id or template.uid] = template
            return template

    def add_activity(self, template_id: str, name: str, type: str, sub_type: str | None = None, **kwargs) -> Activity:
        """Append an activity to a template; the uid and partId are made up unless given."""
        with self.lock:
            self._next_part_id += 1
            kwargs.setdefault("uid", str(uuid.uuid4()))
            kwargs.setdefault("part_id", self._next_part_id)
            activity = Activity(name=name, type=type, sub_type=sub_type or type, **kwargs)
            self.templates[template_id].activities.append(activity)
            return activity

    def add_course(self, id: str, template_id: str, name: str | None = None, *, reseller: str = "",
                   start_date: date | None = None, expire_date: date | None = None) -> Course:
        with self.lock:
            template = self.templates[template_id]
            course = Course(id=id, name=name or template.name, template=template, reseller=reseller,
                            start_date=start_date, expire_date=expire_date)
            self.courses[id] = course
            return course

    def add_user(self, id: str, *, uid: str | None = None, **fields) -> User:
        """A user with aNewSpring's field names (``firstName``, ``custom1``, ...); role defaults to student."""
        with self.lock:
            unknown = set(fields) - set(USER_FIELDS)
            if unknown:
                raise ValueError(f"unknown user fields: {sorted(unknown)}")
            user = User(uid=uid or str(uuid.uuid4()), id=id, fields={"active": True, "role": "student", **fields})
            self.users[id] = user
            return user

    def add_group(self, id: str, type: str = "student", name: str = "", *, parent: str | None = None,
                  members=()) -> Group:
        with self.lock:
            group = Group(id=id, type=type, name=name or id, parent=parent,
                          members=[self.users[m].uid for m in members])
            self.groups[id] = group
            return group

    def subscribe(self, user_id: str, course_id: str, *, subscribed: datetime | None = None,
                  started: datetime | None = None, expire_date: date | None = None) -> Subscription:
        """Subscribe directly (no licence checks); an unsubscribed learner gets the old subscription back."""
        with self.lock:
            sub = self.subscriptions.get((user_id, course_id))
            if sub is None:
                subscribed = subscribed or _now()
                sub = Subscription(user=self.users[user_id], course=self.courses[course_id], subscribed=subscribed,
                                   started=subscribed)
                self.subscriptions[(user_id, course_id)] = sub
            sub.unsubscribed = sub.expired_flag = False
            sub.started = started or sub.started
            sub.expire_date = expire_date or sub.expire_date
            return sub

    def subscription(self, user_id: str, course_id: str) -> Subscription | None:
        with self.lock:
            return self.subscriptions.get((user_id, course_id))

    def complete_activity(self, user_id: str, course_id: str, activity_id: str, *, score=None,
                          passed: bool | None = None, progress: str | None = None, criteria_scores=(),
                          term_scores=(), started: datetime | None = None,
                          completed: datetime | None = None) -> Attempt:
        """Record a completed attempt, as if the learner (or an instructor) finished the activity.

        ``activity_id`` is the activity's external ID or uid. Activities that allow several
        attempts get a new numbered attempt; others have one attempt (nr -1) that is replaced.
        ``passed`` defaults to reaching the activity's threshold.
        """
        with self.lock:
            sub = self.subscriptions[(user_id, course_id)]
            activity = self._activity_of(sub.course, activity_id, by_uid=True)
            score = None if score is None or not activity.scored else Decimal(str(score))
            if passed is None and activity.scored:
                passed = bool(activity.threshold is not None and score is not None and score >= activity.threshold)
            completed = completed or _now()
            attempts = sub.attempts.setdefault(activity.uid, [])
            attempt = Attempt(
                nr=len(attempts) + 1 if activity.multiple_attempts else -1,
                started=started or completed, completed=completed,
                passed=passed if activity.scored else None, score=score, progress=progress,
                criteria=[{**c, "score": s} for c, s in zip(activity.criteria, criteria_scores, strict=False)],
                terms=[{**t, "score": s} for t, s in zip(activity.terms, term_scores, strict=False)],
            )
            if not activity.multiple_attempts:
                attempts.clear()
            attempts.append(attempt)
            sub.active = True
            return attempt

    # ------------------------------------------------------------------ plumbing
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        key = request.headers.get("x-api-key")
        if not key:
            return SandboxResponse(status=401, body="Missing API key", content_type="text/plain")
        if not hmac.compare_digest(key, self.api_key):
            return SandboxResponse(status=403, body="Invalid API key", content_type="text/plain")
        segments = [unquote(s) for s in request.path.split("/")[1:]]
        try:
            if len(segments) < 2 or segments[0] != "api":
                raise ApiError(404, "Not found")
            # Taken to be what a real server does: an empty or dot segment names no user, course or group
            # (a web server resolves "." and ".." away before the application sees the path).
            if any(s in ("", ".", "..") for s in segments[2:]):
                raise ApiError(404, "Not found")
            handler = self.routes.get((request.method, segments[1]))
            if handler is None:
                raise ApiError(404 if segments[1] not in {c for _, c in self.routes} else 405,
                               f"Unknown call {request.method} {segments[1]}")
            if request.method == "POST" and request.body and not request.headers.get(
                    "content-type", "").startswith(FORM_CONTENT_TYPE):
                raise ApiError(400, f"POST bodies must be {FORM_CONTENT_TYPE}")
            result = handler(request, segments[2:])
        except ApiError as error:
            if request.first("_formatErrors") == "true":
                body = {"errors": [{"code": error.status, "message": error.message}]}
                return SandboxResponse(status=error.status, body=json.dumps(body))
            return SandboxResponse(status=error.status, body=error.message, content_type="text/plain")
        if request.method == "GET":
            return SandboxResponse(body=json.dumps(result, sort_keys=True))
        if request.first("_returnSuccessMessage") == "true":
            return SandboxResponse(body=json.dumps({"message": result, "success": True}))
        return SandboxResponse(body=b"", content_type="text/plain")

    # Parameters ---------------------------------------------------------------
    @staticmethod
    def _values(request: SandboxRequest, name: str) -> list[str]:
        return request.query.get(name) or request.form.get(name) or []

    @staticmethod
    def _bool(request: SandboxRequest, name: str) -> bool | None:
        value = request.first(name)
        if value in (None, ""):
            return None
        if value not in ("true", "false"):
            raise ApiError(400, f"Parameter {name} must be true or false, not {value!r}")
        return value == "true"

    @staticmethod
    def _date(request: SandboxRequest, name: str) -> date | None:
        value = request.first(name)
        if value in (None, ""):
            return None
        try:
            if not DATE_PATTERN.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise ApiError(400, f"Parameter {name} must be a date as YYYY-MM-DD, not {value!r}") from None

    # Lookups: one helper per kind of object, for both addressings ---------------
    def _user(self, request: SandboxRequest, path_id: str | None) -> User:
        """The user named by the external ID in the path or else by ``userUID``."""
        if path_id is not None:
            user = self.users.get(path_id)
            shown = path_id
        else:
            shown = request.first("userUID")
            if not shown:
                raise ApiError(400, "Missing user ID or userUID")
            user = next((u for u in self.users.values() if u.uid == shown), None)
        if user is None:
            raise ApiError(404, f"User {shown} not found")
        return user

    def _course(self, request: SandboxRequest, path_id: str | None, user: User | None = None) -> Course:
        """The course named by the external ID in the path or else by ``courseUID``.

        Course UIDs are shared by all courses of a template, so a UID picks the course the
        user is subscribed to, or the only course with it; otherwise it is ambiguous (400).
        """
        if path_id is not None:
            course = self.courses.get(path_id)
            if course is None:
                raise ApiError(404, f"Course {path_id} not found")
            return course
        course_uid = request.first("courseUID")
        if not course_uid:
            raise ApiError(400, "Missing course ID or courseUID")
        candidates = [c for c in self.courses.values() if c.uid == course_uid]
        if user is not None:
            subscribed = [c for c in candidates if (user.id, c.id) in self.subscriptions]
            candidates = subscribed or candidates
        if not candidates:
            raise ApiError(404, f"Course {course_uid} not found")
        if len(candidates) > 1:
            raise ApiError(400, f"courseUID {course_uid} matches several courses; use the course ID")
        return candidates[0]

    def _addressed(self, request: SandboxRequest, args: list[str]) -> tuple[User, Course]:
        """User and course from ``/{userID}/{courseID}`` or ``?userUID=&courseUID=``."""
        user = self._user(request, args[0] if args else None)
        return user, self._course(request, args[1] if len(args) > 1 else None, user)

    def _subscription(self, user: User, course: Course) -> Subscription:
        sub = self.subscriptions.get((user.id, course.id))
        if sub is None:
            raise ApiError(404, f"User {user.id} is not subscribed to course {course.id}")
        return sub

    @staticmethod
    def _activity_of(course: Course, activity_id: str | None, *, by_uid: bool = False) -> Activity:
        """The API names activities by external ID only; test helpers may use the uid too."""
        activity = next((a for a in course.template.activities
                         if activity_id is not None and (activity_id == a.id or (by_uid and activity_id == a.uid))),
                        None)
        if activity is None:
            raise ApiError(404, f"Activity {activity_id} not found in course {course.id}")
        return activity

    def _group(self, group_id: str) -> Group:
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError(404, f"Group {group_id} not found")
        return group

    def _template(self, template_id: str) -> Template:
        """By external ID only: a UID in the path names nothing (404)."""
        template = next((t for t in self.templates.values() if t.id is not None and t.id == template_id), None)
        if template is None:
            raise ApiError(404, f"Template {template_id} not found")
        return template

    @staticmethod
    def _one_arg(args: list[str], what: str) -> str:
        if len(args) != 1:
            raise ApiError(400, f"Expected /{{{what}}} in the path")
        return args[0]

    # Rendering ------------------------------------------------------------------
    @staticmethod
    def _user_json(user: User) -> dict:
        data = {name: user.fields.get(name) for name in USER_FIELDS}
        data["dateOfBirth"] = _day(data["dateOfBirth"])
        return {**data, "id": user.id, "uid": user.uid}

    @staticmethod
    def _group_user_json(user: User) -> dict:
        name = " ".join(user.fields.get(k) or "" for k in ("firstName", "middleName", "lastName"))
        return {"active": user.fields.get("active"), "email": user.fields.get("email"), "id": user.id,
                "login": user.fields.get("login"), "name": " ".join(name.split()), "uid": user.uid}

    @staticmethod
    def _course_json(course: Course) -> dict:
        return {"expireDate": _day(course.expire_date), "id": course.id, "name": course.name,
                "reseller": course.reseller, "startDate": _day(course.start_date),
                "template": course.template.id, "uid": course.uid}

    @staticmethod
    def _progress(sub: Subscription) -> str:
        activities = sub.course.template.activities
        return f"{sum(1 for a in activities if sub.last_completed(a))}/{len(activities)}"

    def _subscription_json(self, sub: Subscription) -> dict:
        """One entry of getSubscriptions, with exactly the seed's fields."""
        return {
            "active": sub.active, "efficiency": sub.efficiency, "expired": sub.expired, "finished": sub.finished,
            "id": sub.course.id, "knowledgeIntake": sub.knowledge_intake, "name": sub.course.name,
            "objectivesProgress": sub.objectives_progress, "progress": self._progress(sub),
            "reseller": sub.course.reseller, "startDate": _day(sub.started), "startDateTime": _iso(sub.started),
            "subscribeDate": _day(sub.subscribed), "subscribeDateTime": _iso(sub.subscribed),
            "uid": sub.course.uid,
        }

    @staticmethod
    def _attempt_json(attempt: Attempt) -> dict:
        return {
            "attemptNr": attempt.nr, "completeDate": _day(attempt.completed),
            "completeDateTime": _iso(attempt.completed), "completed": attempt.completed is not None,
            "criteria": attempt.criteria, "passed": attempt.passed, "progress": attempt.progress,
            "score": _percent(attempt.score), "startDate": _day(attempt.started),
            "startDateTime": _iso(attempt.started), "terms": attempt.terms,
        }

    def _part_json(self, sub: Subscription, activity: Activity) -> dict:
        last = sub.last_completed(activity)
        done = last.completed if last else None
        return {
            "attempts": [self._attempt_json(a) for a in sub.attempts.get(activity.uid, [])],
            "blockName": activity.block_name, "completeDate": _day(done), "completeDateTime": _iso(done),
            "completed": last is not None, "id": activity.id, "name": activity.name, "partId": activity.part_id,
            "passed": (bool(last and last.passed)) if activity.scored else None,
            "score": _percent(last.score) if last else None,
            "subType": activity.sub_type, "type": activity.type, "uid": activity.uid,
        }

    def _results_json(self, sub: Subscription) -> dict:
        template = sub.course.template
        parts = [self._part_json(sub, a) for a in template.activities]
        completed = bool(parts) and all(p["completed"] for p in parts)
        done = max((_utc(p["completeDateTime"]) for p in parts if p["completed"]), default=None) if completed else None
        graded = next((p for p in parts if p["uid"] == template.grade_activity and p["completed"]), None)
        grade_time = _utc(graded["completeDateTime"]) if graded else None
        objectives = [{"knowledgeIntake": 0.0, "value": 0.0, **sub.objective_values.get(o["name"], {}), **o}
                      for o in template.objectives]
        return {
            **self._subscription_json(sub),
            "completeDate": _day(done), "completeDateTime": _iso(done), "completed": completed,
            "grade": graded["score"] if graded else None, "gradeDate": _day(grade_time),
            "gradeDateTime": _iso(grade_time),
            "lastTrainingCompletedDate": _day(sub.last_training),
            "lastTrainingCompletedDateTime": _iso(sub.last_training),
            "objectives": objectives, "parts": parts,
        }

    # GET calls ------------------------------------------------------------------
    def _is_subscribed(self, request, args):
        # Shape {"result": bool} as for userExists; an unsubscribed learner counts as not subscribed.
        user, course = self._addressed(request, args)
        sub = self.subscriptions.get((user.id, course.id))
        return {"result": sub is not None and not sub.unsubscribed}

    def _get_subscriptions(self, request, args):
        user = self._user(request, args[0] if args else None)
        return {"courses": [self._subscription_json(s) for s in self._subscriptions_of(user)]}

    def _subscriptions_of(self, user: User) -> list[Subscription]:
        return [s for (user_id, _), s in self.subscriptions.items() if user_id == user.id]

    def _get_results(self, request, args):
        """One user (all courses, as ``{"courses": [...]}``), one subscription, or one activity."""
        user = self._user(request, args[0] if args else None)
        if len(args) < 2 and not request.first("courseUID"):
            return {"courses": [self._results_json(s) for s in self._subscriptions_of(user)]}
        course = self._course(request, args[1] if len(args) > 1 else None, user)
        sub = self._subscription(user, course)
        activity_id = args[2] if len(args) > 2 else request.first("activityID")
        if not activity_id:
            return self._results_json(sub)
        return self._part_json(sub, self._activity_of(course, activity_id))

    def _get_templates(self, request, args):
        # Templates without an external ID only with includeWithoutId=true (API-NOTES).
        everything = self._bool(request, "includeWithoutId")
        return {"templates": [{"id": t.id, "name": t.name, "uid": t.uid} for t in self.templates.values()
                              if t.id is not None or everything]}

    def _get_courses(self, request, args):
        template = self._template(self._one_arg(args, "templateID"))
        return {"courses": [self._course_json(c) for c in self.courses.values() if c.template is template]}

    def _get_course(self, request, args):
        return self._course_json(self._course(request, self._one_arg(args, "courseID")))

    def _user_exists(self, request, args):
        return {"result": self._one_arg(args, "userID") in self.users}

    def _get_user(self, request, args):
        return self._user_json(self._user(request, self._one_arg(args, "userID")))

    def _group_exists(self, request, args):
        # Shape {"result": bool}, as a public client reads it (API-NOTES).
        return {"result": self._one_arg(args, "groupID") in self.groups}

    def _get_group_users(self, request, args):
        # The member shape a public client reads (API-NOTES): id, uid, name, login, email, active.
        group = self._group(self._one_arg(args, "groupID"))
        by_uid = {u.uid: u for u in self.users.values()}
        return {"users": [self._group_user_json(by_uid[uid]) for uid in group.members]}

    def _get_student_subscriptions(self, request, args):
        # Shape chosen here (not in the seeds): the user as getUser shows it, next to the
        # subscription's dates and flags (nested, since both have an "active").
        course = self._course(request, self._one_arg(args, "courseID"))
        return {"students": [
            {"user": self._user_json(s.user),
             **{k: v for k, v in self._subscription_json(s).items()
                if k in {"active", "expired", "finished", "progress", "startDate", "startDateTime",
                         "subscribeDate", "subscribeDateTime"}},
             "expireDate": _day(s.expire_date)}
            for s in self.subscriptions.values() if s.course is course
        ]}

    # POST calls -----------------------------------------------------------------
    def _subscribe(self, request, args):
        user, course = self._addressed(request, args)
        start, expire = self._date(request, "startDate"), self._date(request, "expireDate")
        if start and expire and expire < start:
            raise ApiError(400, "expireDate is before startDate")
        if user.role != "student":
            raise ApiError(400, f"User {user.id} does not have the learner role")
        existing = self.subscriptions.get((user.id, course.id))
        if existing is not None and not existing.unsubscribed:
            raise ApiError(409, f"User {user.id} is already subscribed to course {course.id}")
        self.subscribe(user.id, course.id, started=_midnight(start) if start else None, expire_date=expire)
        return f"User {user.id} subscribed to course {course.id}"

    def _subscribe_groups(self, request, args):
        course = self._course(request, args[0] if args else None)
        group_ids = self._values(request, "groupID")
        if not group_ids:
            raise ApiError(400, "Missing groupID")
        groups = [self._group(g) for g in group_ids]
        if any(g.type != "student" for g in groups):
            raise ApiError(400, "Only learner groups can be subscribed")
        by_uid = {u.uid: u for u in self.users.values()}
        for member in {uid for g in groups for uid in g.members}:
            sub = self.subscriptions.get((by_uid[member].id, course.id))
            if sub is None or sub.unsubscribed:
                self.subscribe(by_uid[member].id, course.id)
        return f"Groups {', '.join(group_ids)} subscribed to course {course.id}"

    def _update_subscription(self, request, args):
        sub = self._subscription(*self._addressed(request, args))
        start, expire, expired = (self._date(request, "startDate"), self._date(request, "expireDate"),
                                  self._bool(request, "expired"))
        if start is None and expire is None and expired is None:
            raise ApiError(400, "Nothing to update: give startDate, expireDate or expired")
        new_start = _midnight(start) if start else sub.started
        new_expire = expire or sub.expire_date
        if new_expire and new_expire < new_start.date():
            raise ApiError(400, "expireDate is before startDate")
        sub.started, sub.expire_date = new_start, new_expire
        if expired is not None:
            sub.expired_flag = expired
        return "Subscription updated"

    def _unsubscribe(self, request, args):
        sub = self._subscription(*self._addressed(request, args))
        sub.unsubscribed = True  # results stay readable; finished becomes true
        return "Unsubscribed"

    def _score_external_activity(self, request, args):
        user, course = self._addressed(request, args)
        self._subscription(user, course)  # 404 unless the learner is subscribed
        activity = self._activity_of(course, args[2] if len(args) > 2 else request.first("activityID"))
        if activity.type != "External":
            raise ApiError(400, f"Activity {activity.id} is not an external activity")
        try:
            score = Decimal(request.first("score") or "")
        except InvalidOperation:
            raise ApiError(400, "Parameter score must be a number from 0 to 100") from None
        if not 0 <= score <= 100:
            raise ApiError(400, "Parameter score must be a number from 0 to 100")
        day = self._date(request, "date")
        self.complete_activity(user.id, course.id, activity.uid, score=score, passed=self._bool(request, "passed"),
                               completed=_midnight(day) if day else None)
        return "Score registered"

    def _save_user(self, request, user_id: str, *, create_only: bool) -> str:
        fields = {}
        for name in USER_FIELDS:
            if self._values(request, name):
                fields[name] = request.first(name)
        if "dateOfBirth" in fields:
            fields["dateOfBirth"] = self._date(request, "dateOfBirth")
        if "active" in fields:
            fields["active"] = self._bool(request, "active")
        user = self.users.get(user_id)
        if user is not None and create_only:
            raise ApiError(409, f"User {user_id} already exists")
        if user is not None and "role" in fields:
            # API-NOTES list role as a field "on add"; changing an existing user's role through an
            # update is taken to be refused, so a client that sends it anyway is caught.
            raise ApiError(400, "Parameter role can only be given when a user is added")
        if user is not None:
            user.fields.update(fields)
            return f"User {user_id} updated"
        if not fields.get("firstName") or not fields.get("lastName"):
            raise ApiError(400, "firstName and lastName are required for a new user")
        self.add_user(user_id, **fields)
        return f"User {user_id} added"

    def _add_or_update_user(self, request, args):
        return self._save_user(request, self._one_arg(args, "userID"), create_only=False)

    def _add_user(self, request, args):
        return self._save_user(request, self._one_arg(args, "userID"), create_only=True)

    def _add_group(self, request, args):
        group_id = self._one_arg(args, "groupID")
        if group_id in self.groups:
            raise ApiError(409, f"Group {group_id} already exists")
        group_type = request.first("type") or "student"
        if group_type not in GROUP_TYPES:
            raise ApiError(400, f"Parameter type must be one of {', '.join(GROUP_TYPES)}")
        parent = request.first("parent") or None
        if parent is not None:
            self._group(parent)
        self.add_group(group_id, group_type, request.first("name") or group_id, parent=parent)
        return f"Group {group_id} added"

    def _add_group_users(self, request, args):
        group = self._group(self._one_arg(args, "groupID"))
        user_ids = self._values(request, "user")
        if not user_ids:
            raise ApiError(400, "Missing user")
        users = [self._user(request, u) for u in user_ids]
        wrong_role = [u.id for u in users if u.role != group.type]
        if wrong_role:  # API-NOTES: a 409 also means a user lacks the role the group type needs
            raise ApiError(409, f"Users {', '.join(wrong_role)} do not have the {group.type} role")
        duplicates = [u.id for u in users if u.uid in group.members]
        if duplicates and not self._bool(request, "ignoreDuplicates"):
            raise ApiError(409, f"Users {', '.join(duplicates)} are already in group {group.id}")
        group.members.extend(u.uid for u in users if u.uid not in group.members)
        return f"Users added to group {group.id}"

    def _delete_group_users(self, request, args):
        """``user`` repeated; 404 for an unknown group, 409 for a user not in it unless ``ignoreMissing``."""
        group = self._group(self._one_arg(args, "groupID"))
        user_ids = self._values(request, "user")
        if not user_ids:
            raise ApiError(400, "Missing user")
        ignore_missing = self._bool(request, "ignoreMissing")
        members = {u.id: u.uid for u in self.users.values() if u.uid in group.members}
        missing = [u for u in user_ids if u not in members]
        if missing and not ignore_missing:
            raise ApiError(409, f"Users {', '.join(missing)} are not in group {group.id}")
        removed = {members[u] for u in user_ids if u in members}
        group.members = [uid for uid in group.members if uid not in removed]
        return f"Users removed from group {group.id}"

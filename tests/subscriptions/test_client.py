"""The aNewSpring client against the sandbox over real HTTP on loopback."""

import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_COURSE_ID,
    DEMO_COURSE_UID,
    DEMO_GROUP_ID,
    DEMO_LEARNER_ID,
    DEMO_LEARNER_UID,
    WOUND_COURSE_IDS,
    WOUND_EXTERNAL_ACTIVITY_ID,
    WOUND_TEMPLATE_ID,
    AnewspringSandbox,
)
from subscriptions.client import (
    AlreadySubscribed,
    AnewspringClient,
    AnewspringError,
    CourseRef,
    GroupUser,
    LearnerRef,
    NotSubscribed,
    Progress,
    User,
    activity_type_label,
    plain_text,
)

WOUND_COURSE = WOUND_COURSE_IDS[0]


@dataclass
class Addressing:
    """Names learners and courses by external ID or by UID, and checks the wire form."""

    app: AnewspringSandbox
    by: str

    def learner(self, user_id: str) -> LearnerRef:
        return LearnerRef(id=user_id) if self.by == "id" else LearnerRef(uid=self.app.users[user_id].uid)

    def course(self, course_id: str) -> CourseRef:
        return CourseRef(id=course_id) if self.by == "id" else CourseRef(uid=self.app.courses[course_id].uid)

    def assert_sent(self, call: str, user_id: str | None, course_id: str | None, activity_id: str | None = None):
        request = self.app.requests[-1]
        if self.by == "id":
            ids = [i for i in (user_id, course_id, activity_id) if i]
            assert request.path == "/".join(["/api", call, *ids])
            assert not {"userUID", "courseUID", "activityID"} & set(request.query)
        else:
            assert request.path == f"/api/{call}"
            if user_id:
                assert request.query["userUID"] == [self.app.users[user_id].uid]
            if course_id:
                assert request.query["courseUID"] == [self.app.courses[course_id].uid]
            if activity_id:
                assert request.query["activityID"] == [activity_id]


@pytest.fixture(params=["id", "uid"])
def addressing(request, anewspring):
    return Addressing(anewspring.app, request.param)


# --- subscriptions and results, in both addressings -------------------------------------------
def test_is_subscribed(api, addressing):
    assert api.is_subscribed(addressing.learner(DEMO_LEARNER_ID), addressing.course(DEMO_COURSE_ID)) is True
    addressing.assert_sent("isSubscribed", DEMO_LEARNER_ID, DEMO_COURSE_ID)
    assert api.is_subscribed(addressing.learner("LEARNER-0003"), addressing.course(DEMO_COURSE_ID)) is False


def test_get_subscriptions(api, addressing):
    subscriptions = api.get_subscriptions(addressing.learner(DEMO_LEARNER_ID))

    addressing.assert_sent("getSubscriptions", DEMO_LEARNER_ID, None)
    by_course = {s.course_id: s for s in subscriptions}
    assert set(by_course) == {DEMO_COURSE_ID, WOUND_COURSE}
    example = by_course[DEMO_COURSE_ID]
    assert example.course_uid == DEMO_COURSE_UID
    assert example.name == "Example course"
    assert example.active is True and example.expired is False and example.finished is False
    assert example.progress == Progress(2, 2)
    assert (example.efficiency, example.knowledge_intake, example.objectives_progress) == (0.5, 0.4, 0.375)
    assert example.reseller == "EXAMPLEID"
    assert example.start_date == date(2020, 2, 5)
    assert example.start_datetime == datetime(2020, 2, 5, 15, 38, 35, tzinfo=UTC)
    assert example.subscribe_datetime == datetime(2020, 2, 5, 9, 0, 12, tzinfo=UTC)
    fresh = by_course[WOUND_COURSE]
    assert fresh.active is False and fresh.progress == Progress(0, 6)


def test_get_results_of_all_subscriptions(api, addressing):
    results = api.get_results(addressing.learner(DEMO_LEARNER_ID))

    addressing.assert_sent("getResults", DEMO_LEARNER_ID, None)
    assert {r.course_id for r in results} == {DEMO_COURSE_ID, WOUND_COURSE}
    assert next(r for r in results if r.course_id == DEMO_COURSE_ID).grade == Decimal(67)


def test_course_results_are_the_same_in_both_addressings(api, addressing):
    result = api.get_course_results(addressing.learner(DEMO_LEARNER_ID), addressing.course(DEMO_COURSE_ID))

    addressing.assert_sent("getResults", DEMO_LEARNER_ID, DEMO_COURSE_ID)
    assert result == api.get_course_results(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=DEMO_COURSE_ID))


def test_seed_example_results_parsed_field_by_field(api):
    result = api.get_course_results(LearnerRef(uid=DEMO_LEARNER_UID), CourseRef(uid=DEMO_COURSE_UID))

    assert (result.course_id, result.course_uid, result.name) == (DEMO_COURSE_ID, DEMO_COURSE_UID, "Example course")
    assert result.active is True and result.completed is True
    assert result.expired is False and result.finished is False
    assert result.complete_date == date(2020, 2, 13)
    assert result.complete_datetime == datetime(2020, 2, 13, 16, 23, 55, tzinfo=UTC)
    assert result.complete_datetime.utcoffset().total_seconds() == 0
    assert result.grade == Decimal(67)
    assert result.grade_date == date(2020, 2, 13)
    assert result.grade_datetime == datetime(2020, 2, 13, 16, 23, 55, tzinfo=UTC)
    assert result.efficiency == 0.5 and result.knowledge_intake == 0.4 and result.objectives_progress == 0.375
    assert result.last_training_completed_date == date(2020, 2, 12)
    assert result.last_training_completed_datetime == datetime(2020, 2, 12, 8, 5, 23, tzinfo=UTC)
    assert result.progress == Progress(2, 2) and result.progress.fraction == 1.0 and str(result.progress) == "2/2"
    assert result.reseller == "EXAMPLEID"
    assert result.start_datetime == datetime(2020, 2, 5, 15, 38, 35, tzinfo=UTC)
    assert result.subscribe_date == date(2020, 2, 5)

    (objective,) = result.objectives
    assert (objective.name, objective.knowledge_intake, objective.target, objective.value) == (
        "Example objective", 0.5, 0.8, 0.3)

    hand_in, assessment = result.parts
    assert hand_in.id is None and hand_in.uid == "8e28909d-ff9d-4813-9007-dc7c785c62b0"
    assert (hand_in.part_id, hand_in.name, hand_in.block_name) == (118, "Example hand-in assignment", "Block 1")
    assert (hand_in.type, hand_in.sub_type, str(hand_in.type_label)) == (
        "SkillAssignment", "SkillAssignment", "Hand-in assignment")
    assert hand_in.completed is True and hand_in.passed is True and hand_in.score == Decimal(100)
    assert hand_in.complete_datetime == datetime(2020, 2, 12, 14, 20, 21, tzinfo=UTC)
    (attempt,) = hand_in.attempts
    assert attempt.attempt_nr == -1 and attempt.multiple_attempts_allowed is False
    assert attempt.progress is None and attempt.score == Decimal(100) and attempt.terms == ()
    assert attempt.start_datetime == datetime(2020, 2, 12, 14, 14, 38, tzinfo=UTC)
    assert [(c.id, c.name, c.max_score, c.score) for c in attempt.criteria] == [
        ("EXAMPLECRI-001", "Criterion 1", 100, 100), ("EXAMPLECRI-002", "Criterion 2", 100, 100)]

    assert (assessment.part_id, assessment.name, assessment.score, assessment.passed) == (
        223, "Example assessment", Decimal(67), True)
    assert result.part("c94d938b-0084-4a97-a51c-61e23478c462") is assessment
    first, second = assessment.attempts
    assert first.attempt_nr == 1 and first.passed is False and second.multiple_attempts_allowed is True
    assert second.attempt_nr == 2 and second.progress == Progress(3, 3) and second.score == Decimal(67)
    assert second.criteria == ()
    assert second.start_date == date(2020, 2, 13)
    assert second.complete_datetime == datetime(2020, 2, 13, 16, 23, 55, tzinfo=UTC)
    assert [(t.name, t.max_score, t.score, t.threshold) for t in second.terms] == [
        (f"Exam term {n}", 1, 1, 0) for n in (1, 2, 3)]


def _external_activity(api, learner, course):
    return next(p for p in api.get_course_results(learner, course).parts if p.id == WOUND_EXTERNAL_ACTIVITY_ID)


def test_activity_results_and_scoring_an_external_activity(api, anewspring, addressing):
    learner, course = addressing.learner(DEMO_LEARNER_ID), addressing.course(WOUND_COURSE)
    before = _external_activity(api, learner, course)
    addressing.assert_sent("getResults", DEMO_LEARNER_ID, WOUND_COURSE)
    assert before.completed is False and before.score is None and before.attempts == ()
    assert before.is_external and str(before.type_label) == "External activity"

    api.score_external_activity(learner, course, WOUND_EXTERNAL_ACTIVITY_ID, score=75, completed_on=date(2026, 2, 1))

    addressing.assert_sent("scoreExternalActivity", DEMO_LEARNER_ID, WOUND_COURSE, WOUND_EXTERNAL_ACTIVITY_ID)
    assert anewspring.app.requests[-1].form == {"score": ["75"], "date": ["2026-02-01"]}
    after = _external_activity(api, learner, course)
    assert after.completed is True and after.score == Decimal(75) and after.passed is True  # threshold 60
    assert after.complete_date == date(2026, 2, 1) and after.attempts[0].attempt_nr == -1
    assert api.get_course_results(learner, course).progress == Progress(1, 6)

    api.score_external_activity(learner, course, WOUND_EXTERNAL_ACTIVITY_ID, score=Decimal("40.5"), passed=True)
    rescored = _external_activity(api, learner, course)
    assert rescored.score == Decimal("40.5") and rescored.passed is True and len(rescored.attempts) == 1


def test_only_external_activities_can_be_scored(api):
    with pytest.raises(AnewspringError) as error:
        api.score_external_activity(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=WOUND_COURSE), "WOUND-TEST", score=80)
    assert error.value.status == 400 and error.value.retryable is False
    assert "not an external activity" in error.value.message


def test_subscribe_with_dates_then_conflict(api, anewspring, addressing):
    learner, course = addressing.learner("LEARNER-0003"), addressing.course("DEMO-FREE-1")

    api.subscribe(learner, course, start_date=date(2026, 9, 1), expire_date=date(2027, 8, 31))

    addressing.assert_sent("subscribe", "LEARNER-0003", "DEMO-FREE-1")
    assert anewspring.app.requests[-1].headers["content-type"] == "application/x-www-form-urlencoded"
    assert anewspring.app.requests[-1].form == {"startDate": ["2026-09-01"], "expireDate": ["2027-08-31"]}
    sub = anewspring.app.subscription("LEARNER-0003", "DEMO-FREE-1")
    assert sub.started.date() == date(2026, 9, 1) and sub.expire_date == date(2027, 8, 31)
    assert api.is_subscribed(learner, course) is True

    with pytest.raises(AnewspringError) as error:
        api.subscribe(learner, course)
    assert error.value.status == 409 and error.value.retryable is False
    assert error.value.message.startswith("Learner ")
    assert "is already subscribed to course" in error.value.message


def test_a_course_uid_shared_by_several_courses_is_refused(api, anewspring):
    # Both wound care courses share their template's course UID (seed 002).
    shared = api.get_courses(WOUND_TEMPLATE_ID)[0].uid
    with pytest.raises(AnewspringError) as error:
        api.subscribe(LearnerRef(uid=anewspring.app.users["LEARNER-0003"].uid), CourseRef(uid=shared))
    assert error.value.status == 400 and "use the course ID" in error.value.message


def test_subscribe_groups_repeats_group_id(api, anewspring, addressing):
    api.add_user(User(id="LEARNER-0200", first_name="Extra", last_name="Learner", role="student"))
    api.add_group("GRP-EXTRA", name="Extra", type="student")
    api.add_group_users("GRP-EXTRA", ["LEARNER-0200"])
    course = addressing.course("DEMO-FREE-1")

    api.subscribe_groups(course, [DEMO_GROUP_ID, "GRP-EXTRA"])

    request = anewspring.app.requests[-1]
    if addressing.by == "id":
        assert request.path == "/api/subscribeGroups/DEMO-FREE-1"
    else:  # the seed writes "/subscribe?courseUID="; subscribeGroups is meant
        assert request.path == "/api/subscribeGroups" and request.query["courseUID"] == [course.uid]
    assert request.body.decode().startswith("groupID=GRP-NURSES&groupID=GRP-EXTRA")
    for user_id in ("LEARNER-0002", "LEARNER-0003", "LEARNER-0200"):
        assert api.is_subscribed(LearnerRef(id=user_id), CourseRef(id="DEMO-FREE-1"))


def test_update_subscription(api, anewspring, addressing):
    learner, course = addressing.learner("LEARNER-0002"), addressing.course(WOUND_COURSE)

    api.update_subscription(learner, course, start_date=date(2026, 1, 15), expire_date=date(2026, 12, 31))

    addressing.assert_sent("updateSubscription", "LEARNER-0002", WOUND_COURSE)
    sub = anewspring.app.subscription("LEARNER-0002", WOUND_COURSE)
    assert (sub.started.date(), sub.expire_date) == (date(2026, 1, 15), date(2026, 12, 31))
    api.update_subscription(learner, course, expired=True)
    assert anewspring.app.requests[-1].form == {"expired": ["true"]}
    (listed,) = api.get_subscriptions(learner)
    assert listed.expired is True and listed.finished is True
    with pytest.raises(ValueError):
        api.update_subscription(learner, course)


def test_update_subscription_with_expiry_before_start_is_rejected(api):
    with pytest.raises(AnewspringError) as error:
        api.update_subscription(LearnerRef(id="LEARNER-0002"), CourseRef(id=WOUND_COURSE),
                                start_date=date(2026, 5, 1), expire_date=date(2026, 4, 1))
    assert error.value.status == 400 and "expireDate is before startDate" in error.value.message


def test_unsubscribe_keeps_results(api, addressing):
    learner, course = addressing.learner(DEMO_LEARNER_ID), addressing.course(DEMO_COURSE_ID)

    api.unsubscribe(learner, course)

    addressing.assert_sent("unsubscribe", DEMO_LEARNER_ID, DEMO_COURSE_ID)
    assert api.is_subscribed(learner, course) is False
    result = api.get_course_results(learner, course)
    assert result.finished is True and result.grade == Decimal(67)


# --- templates, courses, users, groups ---------------------------------------------------------
def test_templates_and_courses(api):
    templates = {t.id: t for t in api.get_templates()}
    assert templates["EXAMPLETEMPLATE"].name == "Example template"

    courses = api.get_courses(WOUND_TEMPLATE_ID)
    assert [c.id for c in courses] == list(WOUND_COURSE_IDS)
    assert courses[0].uid == courses[1].uid != templates[WOUND_TEMPLATE_ID].uid
    assert courses[0].start_date == date(2026, 1, 12) and courses[0].expire_date == date(2027, 1, 12)
    assert courses[0].template_id == WOUND_TEMPLATE_ID and courses[0].reseller == "SUBENV-001"
    course = api.get_course(DEMO_COURSE_ID)
    assert (course.name, course.uid, course.start_date) == ("Example course", DEMO_COURSE_UID, None)


def test_users(api, anewspring):
    assert api.user_exists(DEMO_LEARNER_ID) is True and api.user_exists("NOBODY") is False
    anna = api.get_user(DEMO_LEARNER_ID)
    assert (anna.id, anna.uid, anna.first_name, anna.custom1) == (DEMO_LEARNER_ID, DEMO_LEARNER_UID, "Anna",
                                                                   "19/39054148101")
    assert anna.role == "student" and anna.active is True

    new = User(id="LEARNER-0100", first_name="Piet", last_name="Pieters", email="p@example.org",
               date_of_birth=date(1990, 4, 30), active=True)
    api.add_user(new)
    assert anewspring.app.requests[-1].form == {
        "firstName": ["Piet"], "lastName": ["Pieters"], "email": ["p@example.org"],
        "dateOfBirth": ["1990-04-30"], "active": ["true"]}
    assert api.get_user("LEARNER-0100").date_of_birth == date(1990, 4, 30)

    with pytest.raises(AnewspringError) as error:
        api.add_user(new)
    assert error.value.status == 409 and "User LEARNER-0100 already exists" in error.value.message

    api.add_or_update_user(User(id="LEARNER-0100", email="piet@example.org", custom1="19/59059671101"))
    updated = api.get_user("LEARNER-0100")
    assert (updated.email, updated.custom1, updated.first_name) == ("piet@example.org", "19/59059671101", "Piet")
    api.add_or_update_user(User(id="LEARNER-0101", first_name="Ria", last_name="Smit"))
    assert api.user_exists("LEARNER-0101")


def test_groups(api):
    api.add_group("GRP-NEW", name="New group", parent=DEMO_GROUP_ID)
    api.add_group_users("GRP-NEW", [DEMO_LEARNER_ID, "LEARNER-0002"])
    assert [u.id for u in api.get_group_users("GRP-NEW")] == [DEMO_LEARNER_ID, "LEARNER-0002"]

    with pytest.raises(AnewspringError) as error:
        api.add_group_users("GRP-NEW", [DEMO_LEARNER_ID])
    assert error.value.status == 409 and "already in group GRP-NEW" in error.value.message
    api.add_group_users("GRP-NEW", [DEMO_LEARNER_ID, "LEARNER-0003"], ignore_duplicates=True)
    assert len(api.get_group_users("GRP-NEW")) == 3

    with pytest.raises(AnewspringError) as error:
        api.add_group("GRP-NEW", name="Again")
    assert error.value.status == 409 and "Group GRP-NEW already exists" in error.value.message


def test_group_members_are_taken_out_with_delete_group_users(api, anewspring):
    api.delete_group_users(DEMO_GROUP_ID, ["LEARNER-0002", "NOT-A-MEMBER"])
    sent = anewspring.app.requests[-1]
    assert sent.path == f"/api/deleteGroupUsers/{DEMO_GROUP_ID}"
    assert sent.form == {"user": ["LEARNER-0002", "NOT-A-MEMBER"], "ignoreMissing": ["true"]}
    assert api.get_group_users(DEMO_GROUP_ID) == [
        GroupUser(id="LEARNER-0003", uid=anewspring.app.users["LEARNER-0003"].uid, name="Sam Smith",
                  login="s.smith", email="s.smith@example.org", active=True)]
    with pytest.raises(AnewspringError) as error:
        api.delete_group_users(DEMO_GROUP_ID, ["NOT-A-MEMBER"], ignore_missing=False)
    assert error.value.status == 409 and f"not in group {DEMO_GROUP_ID}" in error.value.message


def test_the_role_is_sent_only_when_a_user_is_added(api, anewspring):
    api.add_user(User(id="T-1", first_name="Tom", last_name="Teach", role="teacher"))
    assert anewspring.app.requests[-1].form["role"] == ["teacher"]
    api.add_or_update_user(User(id="T-1", email="tom@example.org", role="student"))
    assert "role" not in anewspring.app.requests[-1].form
    assert anewspring.app.users["T-1"].role == "teacher"


def test_a_successful_post_with_a_plain_text_body_is_a_success(api, anewspring):
    anewspring.app.fail_next(status=200, body="200 OK", content_type="text/plain", after_handling=True)
    api.subscribe(LearnerRef(id="LEARNER-0003"), CourseRef(id=DEMO_COURSE_ID))
    assert api.is_subscribed(LearnerRef(id="LEARNER-0003"), CourseRef(id=DEMO_COURSE_ID))


def test_a_second_subscribe_is_already_subscribed(api):
    learner, course = LearnerRef(id="LEARNER-0003"), CourseRef(id=DEMO_COURSE_ID)
    api.subscribe(learner, course)
    with pytest.raises(AlreadySubscribed) as error:
        api.subscribe(learner, course)
    assert error.value.status == 409 and not error.value.retryable


@pytest.mark.parametrize("call", [
    lambda api, learner, course: api.unsubscribe(learner, course),
    lambda api, learner, course: api.update_subscription(learner, course, expired=True),
    lambda api, learner, course: api.get_course_results(learner, course),
])
def test_a_404_on_a_subscription_says_not_subscribed(api, call):
    with pytest.raises(NotSubscribed) as error:
        call(api, LearnerRef(id="LEARNER-0003"), CourseRef(id=DEMO_COURSE_ID))
    assert error.value.message.startswith(
        f"Learner LEARNER-0003 is not subscribed to course {DEMO_COURSE_ID} in aNewSpring")


def test_templates_without_external_id_are_listed(api, anewspring):
    draft = anewspring.app.add_template(None, "Draft")
    templates = api.get_templates()
    assert anewspring.app.requests[-1].query["includeWithoutId"] == ["true"]
    assert [(t.id, t.name) for t in templates if t.uid == draft.uid] == [(None, "Draft")]


@pytest.mark.parametrize(("call", "expected"), [
    (lambda api: api.get_subscriptions(LearnerRef(id="NOBODY")), "Learner NOBODY is not known in aNewSpring."),
    (lambda api: api.get_subscriptions(LearnerRef(uid="no-uid")), "Learner UID no-uid is not known in aNewSpring."),
    (lambda api: api.get_course_results(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id="NOPE")),
     f"Learner {DEMO_LEARNER_ID} is not subscribed to course NOPE in aNewSpring (or aNewSpring does not know "
     "them)."),
    (lambda api: api.get_group_users("NOPE"), "Group NOPE is not known in aNewSpring."),
    (lambda api: api.get_courses("NOPE"), "Template NOPE is not known in aNewSpring."),
    (lambda api: api.add_group("G", name="G", parent="NOPE"), "Parent group NOPE is not known in aNewSpring."),
])
def test_unknown_objects_give_not_known_messages(api, call, expected):
    with pytest.raises(AnewspringError) as error:
        call(api)
    assert error.value.status == 404 and error.value.retryable is False and error.value.system == "anewspring"
    assert error.value.message.startswith(expected)
    assert "aNewSpring says: " in error.value.message  # the sandbox's own words follow


def test_references_need_one_identifier_and_one_addressing(api):
    with pytest.raises(ValueError):
        LearnerRef()
    with pytest.raises(ValueError):
        CourseRef(id="A", uid="B")
    with pytest.raises(ValueError):
        api.is_subscribed(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(uid=DEMO_COURSE_UID))


def test_activity_type_labels():
    assert str(activity_type_label("External", "Webinar")) == "Webinar"
    assert str(activity_type_label("Evaluation", "Inquiry")) == "Questionnaire"
    assert str(activity_type_label("SkillAssignment", "VideoSkillAssignment")) == "Video hand-in assignment"
    assert str(activity_type_label("External", "LTI-2p0")) == "External activity with LTI"
    assert activity_type_label("Hologram", "Hologram3D") == "Hologram3D"


# --- the key and the audit trail ---------------------------------------------------------------
def test_key_only_in_the_header(api, anewspring):
    api.get_subscriptions(LearnerRef(uid=DEMO_LEARNER_UID))
    api.subscribe(LearnerRef(id="LEARNER-0003"), CourseRef(id="DEMO-FREE-1"), start_date=date(2026, 1, 1))

    assert len(anewspring.app.requests) == 2
    for request in anewspring.app.requests:
        assert request.headers["x-api-key"] == DEFAULT_API_KEY
        assert request.headers["accept"] == "application/json"
        assert DEFAULT_API_KEY not in request.path
        assert DEFAULT_API_KEY not in str(request.query) and DEFAULT_API_KEY.encode() not in request.body
        assert "_key" not in request.query
        assert request.query["_formatErrors"] == ["true"] and request.query["_returnSuccessMessage"] == ["true"]


def test_wrong_key_is_refused(make_api):
    with pytest.raises(AnewspringError) as error:
        make_api(api_key="not-the-key").get_templates()
    assert error.value.status == 403 and error.value.retryable is False
    assert "refused the API key" in error.value.message and "Invalid API key" in error.value.message


def test_on_call_reports_without_secrets(api, calls):
    api.get_course_results(LearnerRef(uid=DEMO_LEARNER_UID), CourseRef(uid=DEMO_COURSE_UID))
    api.add_or_update_user(User(id="LEARNER-0002", email="jan@example.org"))

    get, post = calls
    assert (get.system, get.method, get.status) == ("anewspring", "GET", 200)
    assert get.path.startswith("/api/getResults?") and f"userUID={DEMO_LEARNER_UID}" in get.path
    assert '"grade": "67%"' in get.response_summary
    assert (post.method, post.path.split("?")[0], post.status) == ("POST", "/api/addOrUpdateUser/LEARNER-0002", 200)
    assert post.request_summary == "email=jan@example.org"
    for call in calls:
        assert all(DEFAULT_API_KEY not in str(value) for value in vars(call).values())


# --- faults ------------------------------------------------------------------------------------
def test_timeout_on_post_is_not_retried(make_api, anewspring):
    anewspring.app.fail_next(status=200, delay=0.6)
    with pytest.raises(AnewspringError) as error:
        make_api(read_timeout=0.2).unsubscribe(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=DEMO_COURSE_ID))
    assert error.value.retryable is True and error.value.status is None
    assert "did not answer in time" in error.value.message
    assert len(anewspring.app.requests) == 1


def test_timeout_on_get_is_retried_then_reported(make_api, anewspring):
    for _ in range(4):  # the first try and three retries
        anewspring.app.fail_next(status=200, delay=0.5)
    with pytest.raises(AnewspringError) as error:
        make_api(read_timeout=0.2).get_templates()
    assert error.value.retryable is True and "did not answer in time" in error.value.message
    assert len(anewspring.app.requests) == 4


def test_get_is_retried_on_503(api, anewspring):
    anewspring.app.fail_next(status=503, body="Service Unavailable", content_type="text/plain")
    assert api.is_subscribed(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=DEMO_COURSE_ID)) is True
    assert len(anewspring.app.requests) == 2


def test_persistent_503_is_retryable(api, anewspring):
    for _ in range(4):
        anewspring.app.fail_next(status=503, body="Service Unavailable", content_type="text/plain")
    with pytest.raises(AnewspringError) as error:
        api.get_templates()
    assert error.value.status == 503 and error.value.retryable is True
    assert error.value.message == ("aNewSpring has a problem (HTTP 503); try again later. "
                                   "aNewSpring says: Service Unavailable")
    assert len(anewspring.app.requests) == 4


def test_post_is_not_retried_on_503(api, anewspring):
    anewspring.app.fail_next(status=503, body="Service Unavailable", content_type="text/plain")
    with pytest.raises(AnewspringError) as error:
        api.subscribe(LearnerRef(id="LEARNER-0003"), CourseRef(id="DEMO-FREE-1"))
    assert error.value.status == 503 and error.value.retryable is True
    assert len(anewspring.app.requests) == 1
    assert anewspring.app.subscription("LEARNER-0003", "DEMO-FREE-1") is None


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, True), (400, False), (422, False)])
def test_status_decides_retryable(api, anewspring, status, retryable):
    anewspring.app.fail_next(status=status, body='{"errors": [{"message": "Something"}]}',
                             content_type="application/json")
    with pytest.raises(AnewspringError) as error:
        api.get_templates()
    assert (error.value.status, error.value.retryable) == (status, retryable)
    assert error.value.message.endswith("aNewSpring says: Something")
    assert len(anewspring.app.requests) == 1  # 500, 429 and 4xx are not retried at the HTTP layer


def test_html_error_page_becomes_a_short_plain_message(api, anewspring):
    page = ("<!DOCTYPE html><html><head><title>502</title><style>body{color:red}</style>"
            "<script>alert('x')</script></head><body><h1>Bad&nbsp;Gateway</h1><p>nginx</p>"
            + "<p>filler text</p>" * 100 + "</body></html>")
    anewspring.app.fail_next(status=500, body=page)
    with pytest.raises(AnewspringError) as error:
        api.get_templates()
    message = error.value.message
    assert "aNewSpring says: 502 Bad Gateway nginx filler text" in message
    assert "<" not in message and "alert" not in message and "color:red" not in message
    assert len(message) < 400 and message.endswith("…")


def test_malformed_json_is_reported(api, anewspring):
    anewspring.app.fail_next(status=200, body='{"templates": [', content_type="application/json")
    with pytest.raises(AnewspringError) as error:
        api.get_templates()
    assert error.value.status == 200 and error.value.retryable is False
    assert error.value.message == 'aNewSpring sent an answer that could not be read (getTemplates): {"templates": ['


def test_answer_of_the_wrong_shape_is_reported(api, anewspring):
    anewspring.app.fail_next(status=200, body='{"courses": [{"name": "X", "progress": "eleven"}]}',
                             content_type="application/json")
    with pytest.raises(AnewspringError) as error:
        api.get_subscriptions(LearnerRef(id=DEMO_LEARNER_ID))
    assert "unexpected shape (getSubscriptions)" in error.value.message and error.value.retryable is False


def test_unreachable_server_is_retryable(make_api, calls):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(AnewspringError) as error:
        make_api(url=f"http://127.0.0.1:{closed_port}").get_templates()
    assert error.value.retryable is True and "could not be reached" in error.value.message
    assert calls[-1].status is None and calls[-1].error


def test_default_session_sends_the_key_and_retries(anewspring):
    api = AnewspringClient(anewspring.url + "/api/", DEFAULT_API_KEY)
    anewspring.app.fail_next(status=503)
    assert {t.id for t in api.get_templates()} >= {"EXAMPLETEMPLATE", WOUND_TEMPLATE_ID}
    assert len(anewspring.app.requests) == 2
    assert anewspring.app.requests[-1].path == "/api/getTemplates"


def test_plain_text_cuts_long_text():
    assert plain_text("a  <b>b</b>\n c &amp; d") == "a b c & d"
    assert len(plain_text("x" * 1000, limit=50)) == 50


@pytest.mark.parametrize("odd", ["", ".", ".."])
def test_an_empty_or_dot_id_is_never_sent(api, anewspring, odd):
    sent = len(anewspring.app.requests)
    calls = [lambda: api.is_subscribed(LearnerRef(id=odd), CourseRef(id="DEMO-FREE-1")),
             lambda: api.is_subscribed(LearnerRef(id=DEMO_LEARNER_ID), CourseRef(id=odd)),
             lambda: api.add_or_update_user(User(id=odd or ".", first_name="A", last_name="B")),
             lambda: api.get_group_users(odd)]
    for call in calls:
        with pytest.raises(AnewspringError, match="cannot be sent to aNewSpring as an ID"):
            call()
    assert len(anewspring.app.requests) == sent


def test_a_slash_in_an_id_stays_inside_its_segment(api, anewspring):
    assert api.user_exists("a/..") is False
    assert anewspring.app.requests[-1].path == "/api/userExists/a%2F.."

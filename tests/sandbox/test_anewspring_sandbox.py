"""The aNewSpring sandbox on the wire: what a client sees, checked without the portal's client."""

from datetime import date

import pytest
import requests

from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_COURSE_ID,
    DEMO_LEARNER_ID,
    WOUND_COURSE_IDS,
    WOUND_TEMPLATE_ID,
    AnewspringSandbox,
    sign_webhook,
)

KEY = {"X-API-Key": DEFAULT_API_KEY}
FORM = {**KEY, "Content-Type": "application/x-www-form-urlencoded"}

# Seed 002's getResults example; attempt 1 is elided there ("...") and filled in by the sandbox.
SEED_RESULTS = {
    "active": True, "completeDate": "2020-02-13", "completeDateTime": "2020-02-13T16:23:55Z", "completed": True,
    "efficiency": 0.5, "expired": False, "finished": False, "grade": "67%", "gradeDate": "2020-02-13",
    "gradeDateTime": "2020-02-13T16:23:55Z", "id": "EXAMPLECOURSE-0001", "knowledgeIntake": 0.4,
    "lastTrainingCompletedDate": "2020-02-12", "lastTrainingCompletedDateTime": "2020-02-12T08:05:23Z",
    "name": "Example course",
    "objectives": [{"knowledgeIntake": 0.5, "name": "Example objective", "target": 0.8, "value": 0.3}],
    "objectivesProgress": 0.375,
    "parts": [
        {
            "attempts": [{
                "attemptNr": -1, "completeDate": "2020-02-12", "completeDateTime": "2020-02-12T14:20:21Z",
                "completed": True,
                "criteria": [{"id": "EXAMPLECRI-001", "maxScore": 100, "name": "Criterion 1", "score": 100},
                             {"id": "EXAMPLECRI-002", "maxScore": 100, "name": "Criterion 2", "score": 100}],
                "passed": True, "progress": None, "score": "100%", "startDate": "2020-02-12",
                "startDateTime": "2020-02-12T14:14:38Z", "terms": [],
            }],
            "blockName": "Block 1", "completeDate": "2020-02-12", "completeDateTime": "2020-02-12T14:20:21Z",
            "completed": True, "id": None, "name": "Example hand-in assignment", "partId": 118, "passed": True,
            "score": "100%", "subType": "SkillAssignment", "type": "SkillAssignment",
            "uid": "8e28909d-ff9d-4813-9007-dc7c785c62b0",
        },
        {
            "attempts": [
                "ELIDED",
                {
                    "attemptNr": 2, "completeDate": "2020-02-13", "completeDateTime": "2020-02-13T16:23:55Z",
                    "completed": True, "criteria": [], "passed": True, "progress": "3/3", "score": "67%",
                    "startDate": "2020-02-13", "startDateTime": "2020-02-13T16:20:31Z",
                    "terms": [{"maxScore": 1, "name": "Exam term 1", "score": 1, "threshold": 0},
                              {"maxScore": 1, "name": "Exam term 2", "score": 1, "threshold": 0},
                              {"maxScore": 1, "name": "Exam term 3", "score": 1, "threshold": 0}],
                },
            ],
            "blockName": "Block 1", "completeDate": "2020-02-13", "completeDateTime": "2020-02-13T16:23:55Z",
            "completed": True, "id": None, "name": "Example assessment", "partId": 223, "passed": True,
            "score": "67%", "subType": "Assessment", "type": "Assessment",
            "uid": "c94d938b-0084-4a97-a51c-61e23478c462",
        },
    ],
    "progress": "2/2", "reseller": "EXAMPLEID", "startDate": "2020-02-05", "startDateTime": "2020-02-05T15:38:35Z",
    "subscribeDate": "2020-02-05", "subscribeDateTime": "2020-02-05T09:00:12Z",
    "uid": "a62b0793-7682-11eb-b67e-06575dd7e8c5",
}
SUBSCRIPTION_KEYS = {
    "active", "efficiency", "expired", "finished", "id", "knowledgeIntake", "name", "objectivesProgress", "progress",
    "reseller", "startDate", "startDateTime", "subscribeDate", "subscribeDateTime", "uid",
}


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(AnewspringSandbox.with_demo_data())


def api(sandbox, call: str) -> str:
    return f"{sandbox.url}/api/{call}"


def test_demo_results_are_the_seed_example(sandbox):
    answer = requests.get(api(sandbox, f"getResults/{DEMO_LEARNER_ID}/{DEMO_COURSE_ID}"), headers=KEY, timeout=5)

    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    data = answer.json()
    first_attempt = data["parts"][1]["attempts"][0]
    assert first_attempt["attemptNr"] == 1 and first_attempt["completed"] is True
    data["parts"][1]["attempts"][0] = "ELIDED"
    assert data == SEED_RESULTS


def test_both_addressings_give_the_same_answer(sandbox):
    user_uid = sandbox.app.users[DEMO_LEARNER_ID].uid
    by_uid = requests.get(api(sandbox, "getResults"), params={"userUID": user_uid, "courseUID": SEED_RESULTS["uid"]},
                          headers=KEY, timeout=5)
    by_id = requests.get(api(sandbox, f"getResults/{DEMO_LEARNER_ID}/{DEMO_COURSE_ID}"), headers=KEY, timeout=5)
    assert by_uid.json() == by_id.json()


def test_subscriptions_have_exactly_the_seed_fields(sandbox):
    answer = requests.get(api(sandbox, f"getSubscriptions/{DEMO_LEARNER_ID}"), headers=KEY, timeout=5)
    courses = answer.json()["courses"]
    assert len(courses) == 2 and all(set(c) == SUBSCRIPTION_KEYS for c in courses)


def test_key_is_checked(sandbox):
    missing = requests.get(api(sandbox, "getTemplates"), timeout=5)
    wrong = requests.get(api(sandbox, "getTemplates"), headers={"X-API-Key": "nope"}, timeout=5)
    assert (missing.status_code, missing.text) == (401, "Missing API key")
    assert (wrong.status_code, wrong.text) == (403, "Invalid API key")
    assert wrong.headers["Content-Type"] == "text/plain"


def test_errors_are_text_unless_formatted(sandbox):
    plain = requests.get(api(sandbox, "getUser/NOBODY"), headers=KEY, timeout=5)
    formatted = requests.get(api(sandbox, "getUser/NOBODY"), params={"_formatErrors": "true"}, headers=KEY, timeout=5)
    assert (plain.status_code, plain.text, plain.headers["Content-Type"]) == (404, "User NOBODY not found",
                                                                               "text/plain")
    assert formatted.status_code == 404
    assert formatted.json() == {"errors": [{"code": 404, "message": "User NOBODY not found"}]}


def test_success_message_only_when_asked(sandbox):
    bare = requests.post(api(sandbox, "subscribe/LEARNER-0003/DEMO-FREE-1"), headers=KEY, timeout=5)
    assert (bare.status_code, bare.content) == (200, b"")
    told = requests.post(api(sandbox, "unsubscribe/LEARNER-0003/DEMO-FREE-1"),
                         data={"_returnSuccessMessage": "true"}, headers=KEY, timeout=5)
    assert told.json() == {"message": "Unsubscribed", "success": True}


def test_post_bodies_must_be_form_encoded(sandbox):
    answer = requests.post(api(sandbox, "subscribe/LEARNER-0003/DEMO-FREE-1"), json={"startDate": "2026-01-01"},
                           headers=KEY, timeout=5)
    assert answer.status_code == 400 and sandbox.app.subscription("LEARNER-0003", "DEMO-FREE-1") is None


@pytest.mark.parametrize("form", [{"startDate": "01-02-2026"}, {"expireDate": "2026-02-30"}])
def test_bad_dates_are_refused(sandbox, form):
    answer = requests.post(api(sandbox, "subscribe/LEARNER-0003/DEMO-FREE-1"), data=form, headers=FORM, timeout=5)
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.text


def test_bad_booleans_are_refused(sandbox):
    answer = requests.post(api(sandbox, f"updateSubscription/{DEMO_LEARNER_ID}/{DEMO_COURSE_ID}"),
                           data={"expired": "yes"}, headers=FORM, timeout=5)
    assert answer.status_code == 400 and "true or false" in answer.text


def test_unknown_call_and_wrong_method(sandbox):
    assert requests.get(api(sandbox, "getEverything"), headers=KEY, timeout=5).status_code == 404
    assert requests.get(api(sandbox, "subscribe/a/b"), headers=KEY, timeout=5).status_code == 405


def test_resubscribing_after_unsubscribe_reopens_with_results(sandbox):
    url = f"{DEMO_LEARNER_ID}/{DEMO_COURSE_ID}"
    requests.post(api(sandbox, f"unsubscribe/{url}"), headers=KEY, timeout=5)
    assert requests.get(api(sandbox, f"isSubscribed/{url}"), headers=KEY, timeout=5).json() == {"result": False}
    assert requests.post(api(sandbox, f"subscribe/{url}"), headers=KEY, timeout=5).status_code == 200
    assert requests.post(api(sandbox, f"subscribe/{url}"), headers=KEY, timeout=5).status_code == 409
    results = requests.get(api(sandbox, f"getResults/{url}"), headers=KEY, timeout=5).json()
    assert results["finished"] is False and results["grade"] == "67%"


def test_complete_activity_follows_the_seed_rules(sandbox):
    app = sandbox.app
    course = WOUND_COURSE_IDS[0]
    app.complete_activity("LEARNER-0002", course, "WOUND-EVAL", score=90, passed=True)
    lesson = next(a for a in app.templates[WOUND_TEMPLATE_ID].activities if a.type == "Lesson")
    app.complete_activity("LEARNER-0002", course, lesson.uid)
    app.complete_activity("LEARNER-0002", course, "WOUND-TEST", score=50)
    app.complete_activity("LEARNER-0002", course, "WOUND-TEST", score=80)

    results = requests.get(api(sandbox, f"getResults/LEARNER-0002/{course}"), headers=KEY, timeout=5).json()
    parts = {p["name"]: p for p in results["parts"]}
    assert (parts["Course evaluation"]["score"], parts["Course evaluation"]["passed"]) == (None, None)
    assert parts["Introduction"]["passed"] is False and parts["Introduction"]["completed"] is True
    test = parts["Final test"]
    assert [a["attemptNr"] for a in test["attempts"]] == [1, 2]
    assert [a["passed"] for a in test["attempts"]] == [False, True]  # threshold 70
    assert (test["score"], test["passed"]) == ("80%", True)
    assert results["progress"] == "3/6" and results["active"] is True and results["completed"] is False


def test_score_external_activity_validates(sandbox):
    url = api(sandbox, f"scoreExternalActivity/{DEMO_LEARNER_ID}/{WOUND_COURSE_IDS[0]}/WOUND-PRACTICAL")
    assert requests.post(url, data={"score": "abc"}, headers=FORM, timeout=5).status_code == 400
    assert requests.post(url, data={"score": "101"}, headers=FORM, timeout=5).status_code == 400
    assert requests.post(url, data={"score": "59", "date": "2026-02-03"}, headers=FORM, timeout=5).status_code == 200
    part = requests.get(api(sandbox, f"getResults/{DEMO_LEARNER_ID}/{WOUND_COURSE_IDS[0]}/WOUND-PRACTICAL"),
                        headers=KEY, timeout=5).json()
    assert (part["score"], part["passed"], part["completeDate"]) == ("59%", False, "2026-02-03")


def test_courses_of_a_template_share_their_uid(sandbox):
    courses = requests.get(api(sandbox, f"getCourses/{WOUND_TEMPLATE_ID}"), headers=KEY, timeout=5).json()["courses"]
    assert len({c["uid"] for c in courses}) == 1 and [c["startDate"] for c in courses] == ["2026-01-12", "2026-03-09"]
    assert sandbox.app.courses[WOUND_COURSE_IDS[1]].expire_date == date(2027, 3, 9)


def test_group_members_need_the_group_role(sandbox):
    answer = requests.post(api(sandbox, "addGroupUsers/GRP-NURSES"), data={"user": "TEACHER-0001"}, headers=FORM,
                           timeout=5)
    assert answer.status_code == 409 and "student role" in answer.text


def test_activities_added_by_tests_are_scorable(sandbox):
    sandbox.app.add_activity("DEMO-FREE", "Skills lab", "External", id="FREE-LAB", threshold=50)
    sandbox.app.subscribe("LEARNER-0003", "DEMO-FREE-1")
    url = api(sandbox, "scoreExternalActivity/LEARNER-0003/DEMO-FREE-1/FREE-LAB")
    assert requests.post(url, data={"score": "50"}, headers=FORM, timeout=5).status_code == 200
    results = requests.get(api(sandbox, "getResults/LEARNER-0003/DEMO-FREE-1"), headers=KEY, timeout=5).json()
    assert results["progress"] == "1/2" and results["parts"][1]["passed"] is True


def test_group_subscription_needs_known_groups(sandbox):
    url = api(sandbox, "subscribeGroups/DEMO-FREE-1")
    assert requests.post(url, data={"groupID": ["GRP-NURSES", "NOPE"]}, headers=FORM, timeout=5).status_code == 404
    assert requests.post(url, data={"groupID": ["GRP-NURSES"]}, headers=FORM, timeout=5).status_code == 200
    assert sandbox.app.subscription("LEARNER-0003", "DEMO-FREE-1") is not None


def test_sign_webhook_is_base64_hmac_sha1():
    # The RFC 2104 style test vector: HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog").
    assert sign_webhook(b"The quick brown fox jumps over the lazy dog", "key") == "3nybhbi3iqa8ino29wqQcBydtNk="


def test_delete_group_users_follows_the_documented_rules(sandbox):
    """deleteGroupUsers: ``user`` repeated; 404 unknown group; 409 for a non-member unless ignoreMissing."""
    group = sandbox.app.groups["GRP-NURSES"]
    unknown = requests.post(api(sandbox, "deleteGroupUsers/NOPE"), data={"user": "LEARNER-0002"}, headers=FORM,
                            timeout=5)
    not_member = requests.post(api(sandbox, "deleteGroupUsers/GRP-NURSES"),
                               data={"user": ["LEARNER-0002", DEMO_LEARNER_ID]}, headers=FORM, timeout=5)
    assert (unknown.status_code, not_member.status_code) == (404, 409)
    assert len(group.members) == 2  # a refused call removes nobody
    ignored = requests.post(api(sandbox, "deleteGroupUsers/GRP-NURSES"),
                            data={"user": ["LEARNER-0002", DEMO_LEARNER_ID], "ignoreMissing": "true"},
                            headers=FORM, timeout=5)
    assert ignored.status_code == 200
    assert group.members == [sandbox.app.users["LEARNER-0003"].uid]


def test_group_users_have_the_documented_shape(sandbox):
    answer = requests.get(api(sandbox, "getGroupUsers/GRP-NURSES"), headers=KEY, timeout=5).json()
    assert answer["users"][0] == {"active": True, "email": "j.devries@example.org", "id": "LEARNER-0002",
                                  "login": "j.devries", "name": "Jan de Vries",
                                  "uid": sandbox.app.users["LEARNER-0002"].uid}


def test_role_is_taken_only_when_a_user_is_added(sandbox):
    new = {"firstName": "Ina", "lastName": "Smit", "role": "mentor"}
    added = requests.post(api(sandbox, "addOrUpdateUser/NEW-1"), data=new, headers=FORM, timeout=5)
    assert added.status_code == 200 and sandbox.app.users["NEW-1"].role == "mentor"
    changed = requests.post(api(sandbox, "addOrUpdateUser/NEW-1"), data={"role": "student"}, headers=FORM,
                            timeout=5)
    assert changed.status_code == 400 and sandbox.app.users["NEW-1"].role == "mentor"


def test_templates_without_external_id_are_listed_only_when_asked(sandbox):
    draft = sandbox.app.add_template(None, "Draft")
    listed = requests.get(api(sandbox, "getTemplates"), headers=KEY, timeout=5).json()["templates"]
    everything = requests.get(api(sandbox, "getTemplates"), params={"includeWithoutId": "true"}, headers=KEY,
                              timeout=5).json()["templates"]
    assert draft.uid not in {t["uid"] for t in listed}
    assert {"id": None, "name": "Draft", "uid": draft.uid} in everything


def test_get_courses_takes_the_external_id_not_a_uid(sandbox):
    template = sandbox.app.templates[WOUND_TEMPLATE_ID]
    by_uid = requests.get(api(sandbox, f"getCourses/{template.uid}"), headers=KEY, timeout=5)
    assert by_uid.status_code == 404


def test_a_success_can_be_answered_in_plain_text_after_the_work_is_done(sandbox):
    sandbox.app.fail_next(status=200, body="OK", content_type="text/plain", after_handling=True)
    answer = requests.post(api(sandbox, f"subscribe/LEARNER-0003/{DEMO_COURSE_ID}"), headers=FORM, timeout=5)
    assert (answer.status_code, answer.text) == (200, "OK")
    assert sandbox.app.subscription("LEARNER-0003", DEMO_COURSE_ID) is not None


def test_a_second_subscribe_is_a_conflict(sandbox):
    url = api(sandbox, f"subscribe/LEARNER-0003/{DEMO_COURSE_ID}")
    assert requests.post(url, headers=FORM, timeout=5).status_code == 200
    assert requests.post(url, headers=FORM, timeout=5).status_code == 409


@pytest.mark.parametrize("call", [f"unsubscribe/LEARNER-0003/{DEMO_COURSE_ID}",
                                  f"updateSubscription/LEARNER-0003/{DEMO_COURSE_ID}",
                                  f"unsubscribe/NOBODY/{DEMO_COURSE_ID}"])
def test_calls_on_a_missing_subscription_are_404(sandbox, call):
    assert requests.post(api(sandbox, call), data={"expired": "true"}, headers=FORM, timeout=5).status_code == 404


@pytest.mark.parametrize("path", ["addUser/", "addUser/%2E", "addOrUpdateUser/%2E%2E", "addGroup/."])
def test_an_empty_or_dot_id_names_nothing(sandbox, path):
    # requests would resolve a literal ".." itself; urllib3 keeps what it is given with a prepared URL.
    prepared = requests.Request("POST", api(sandbox, path), headers=FORM, data={"firstName": "A", "lastName": "B"})
    prepared = prepared.prepare()
    prepared.url = api(sandbox, path)
    users, groups = len(sandbox.app.users), len(sandbox.app.groups)

    answer = requests.Session().send(prepared, timeout=5)

    assert answer.status_code == 404
    assert (len(sandbox.app.users), len(sandbox.app.groups)) == (users, groups)

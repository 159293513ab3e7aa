"""The seeds' literal JSON examples (English seed 002, Dutch seed 001), as aNewSpring would send them,
read by the client. The files in ``seed_examples/`` are copied from the seeds unchanged."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from subscriptions.client import CourseRef, LearnerRef, Progress

EXAMPLES = Path(__file__).parent / "seed_examples"
LANGUAGES = {
    "en": {"course": "EXAMPLE-00001", "name": "Example course", "reseller": "SUBENV-001",
           "results_course": "EXAMPLECOURSE-0001", "results_reseller": "EXAMPLEID", "block": "Block 1",
           "parts": ["Example hand-in assignment", "Example assessment"],
           "criteria": ["Criterion 1", "Criterion 2"], "criterion_ids": "EXAMPLECRI", "objective": "Example objective",
           "terms": ["Exam term 1", "Exam term 2", "Exam term 3"]},
    "nl": {"course": "VOORBEELD-00001", "name": "Voorbeeldcursus", "reseller": "SUBOMG-001",
           "results_course": "VOORBEELD-0001", "results_reseller": "VOORBEELID", "block": "Blok 1",
           "parts": ["Voorbeeld inleveropdracht", "Voorbeeldtoets"],
           "criteria": ["Criterium 1", "Criterium 2"], "criterion_ids": "VOORBEELDCRI", "objective": "Voorbeeldleerdoel",
           "terms": ["Examenterm 1", "Examenterm 2", "Exaenterm 3"]},  # sic: the Dutch seed's spelling
}


def example(name: str) -> str:
    """The seed's text. Both seeds elide the first attempt's fields ("attemptNr": 1, ...), which is
    not JSON: that attempt keeps only its number. The Dutch page indents a few lines with no-break
    spaces (a web page's copy, not JSON whitespace): they become spaces."""
    text = (EXAMPLES / name).read_text(encoding="utf-8").replace("\xa0", " ")
    return re.sub(r'("attemptNr":\s*1),\s*\.\.\.', r"\1", text)


def answer_next(anewspring, body: str) -> None:
    anewspring.app.fail_next(status=200, body=body, content_type="application/json")


@pytest.mark.parametrize("language", LANGUAGES)
def test_get_subscriptions_example(api, anewspring, language):
    expected = LANGUAGES[language]
    answer_next(anewspring, example(f"getSubscriptions.{language}.txt"))
    [subscription] = api.get_subscriptions(LearnerRef(id="ANY"))
    assert (subscription.course_id, subscription.name, subscription.reseller) == (
        expected["course"], expected["name"], expected["reseller"])
    assert subscription.course_uid == "a62b0793-7682-11eb-b67e-06575dd7e8c5"
    assert (subscription.active, subscription.expired, subscription.finished) == (True, False, False)
    assert (subscription.efficiency, subscription.knowledge_intake, subscription.objectives_progress) == (
        0.5, 0.7, 0.625)
    assert subscription.progress == Progress(1, 1)
    assert subscription.start_date == date(2019, 3, 27)
    assert subscription.start_datetime == datetime(2019, 3, 27, 14, 23, 11, tzinfo=UTC)
    assert subscription.subscribe_datetime == datetime(2019, 3, 27, 11, 8, 44, tzinfo=UTC)


@pytest.mark.parametrize("language", LANGUAGES)
def test_get_results_example(api, anewspring, language):
    expected = LANGUAGES[language]
    answer_next(anewspring, example(f"getResults.{language}.txt"))
    result = api.get_course_results(LearnerRef(id="ANY"), CourseRef(id=expected["results_course"]))
    assert (result.course_id, result.reseller, result.completed, result.grade) == (
        expected["results_course"], expected["results_reseller"], True, Decimal("67"))
    assert result.grade_datetime == result.complete_datetime == datetime(2020, 2, 13, 16, 23, 55, tzinfo=UTC)
    assert result.last_training_completed_date == date(2020, 2, 12)
    assert result.progress == Progress(2, 2)
    [objective] = result.objectives
    assert (objective.name, objective.knowledge_intake, objective.target, objective.value) == (
        expected["objective"], 0.5, 0.8, 0.3)

    hand_in, assessment = result.parts
    assert [hand_in.name, assessment.name] == expected["parts"]
    assert {hand_in.block_name, assessment.block_name} == {expected["block"]}
    assert (hand_in.id, hand_in.part_id, hand_in.type_label, hand_in.score, hand_in.passed) == (
        None, 118, "Hand-in assignment", Decimal("100"), True)
    [only] = hand_in.attempts
    assert not only.multiple_attempts_allowed and only.progress is None
    assert [(c.id, c.name, c.max_score, c.score) for c in only.criteria] == [
        (f"{expected['criterion_ids']}-00{n}", name, 100, 100)
        for n, name in enumerate(expected["criteria"], start=1)]

    first, second = assessment.attempts
    assert first.attempt_nr == 1 and second.attempt_nr == 2 and second.multiple_attempts_allowed
    assert (second.score, second.passed, second.progress) == (Decimal("67"), True, Progress(3, 3))
    assert [(t.name, t.max_score, t.score, t.threshold) for t in second.terms] == [
        (name, 1, 1, 0) for name in expected["terms"]]
    assert assessment.uid == "c94d938b-0084-4a97-a51c-61e23478c462" and assessment.type_label == "Assessment"

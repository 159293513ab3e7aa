"""Properties of the shared input rules: whatever the text, each rule answers (or raises its own
ValidationError), and what it lets through is safe to store and send."""

from datetime import date
from urllib.parse import quote

import pytest
import requests
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pe_numbers import parse_custom1
from portal.validators import (
    BIRTH,
    DONE,
    PLANNING,
    as_pk,
    date_problem,
    date_validator,
    external_id_problem,
    shown,
    text_problem,
    validate_external_id,
    validate_text,
)
from subscriptions.client import DOT_SEGMENTS
from tests.properties.strategies import any_text

FORBIDDEN_EXAMPLES = {"\x00", "\x01", "\x1b", "\x7f", "\x85", "\u202e", "\ud800", "\ufffe"}
PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(value=any_text)
def test_text_rule_answers_for_any_text(value):
    problem = text_problem(value)
    try:
        validate_text(value)
    except ValidationError:
        assert problem
    else:
        assert problem is None
        assert not FORBIDDEN_EXAMPLES & set(value)
        value.encode("utf-8")  # storable and sendable
    assert text_problem(shown(value)) is None


@PROPERTY
@given(value=any_text)
def test_an_external_id_that_passes_is_one_path_segment(value):
    try:
        validate_external_id(value)
    except ValidationError:
        assert external_id_problem(value)
        return
    assert value not in DOT_SEGMENTS and "/" not in value and text_problem(value) is None
    # The client quotes it as one segment: the URL requests sends keeps it there.
    url = requests.Request("GET", f"http://x/api/getUser/{quote(value, safe='')}").prepare().url
    assert url.startswith("http://x/api/getUser/") and url.count("/") == 5


@PROPERTY
@given(value=any_text, default_org_id=st.one_of(st.none(), st.integers(min_value=-10, max_value=10**7)))
def test_custom1_parsing_answers_for_any_text(value, default_org_id):
    result = parse_custom1(value, default_org_id=default_org_id)
    for number in result.numbers:
        assert number.number.isascii() and number.number.isdigit() and number.org_id > 0
    again = parse_custom1(result.normalized, default_org_id=None)
    assert again.errors == [] and again.numbers == result.numbers


@PROPERTY
@given(day=st.dates(), kind=st.sampled_from([BIRTH, PLANNING, DONE]))
def test_date_rules_answer_for_any_date(day, kind):
    problem = date_problem(kind, day)
    try:
        date_validator(kind)(day)
    except ValidationError:
        assert problem
    else:
        assert problem is None and date(1900, 1, 1) <= day < date(9999, 12, 31)


@PROPERTY
@given(value=st.one_of(any_text, st.integers()))
def test_a_key_is_a_small_non_negative_integer_or_none(value):
    pk = as_pk(value)
    assert pk is None or 0 <= pk < 10**18


@pytest.mark.parametrize("value", sorted(FORBIDDEN_EXAMPLES))
def test_each_forbidden_example_is_refused(value):
    assert text_problem(f"a{value}b") and external_id_problem(f"a{value}b")

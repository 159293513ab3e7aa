import pytest

from portal.pe_numbers import KIND_BIG, KIND_REGISTER, big_check_digit_ok, parse_custom1


@pytest.mark.parametrize("number", ["39054148101", "59059671101"])
def test_the_specifications_sample_big_numbers_pass_the_check(number):
    assert big_check_digit_ok(number)


@pytest.mark.parametrize("number", ["49054148101", "39054148102", "38054148101", "3905414810", "3905414810a"])
def test_altered_big_numbers_fail_the_check(number):
    assert not big_check_digit_ok(number)


def test_custom1_pairs_are_parsed_with_their_kind():
    result = parse_custom1("19/39054148101, 52/123456", default_org_id=None)
    assert [(n.org_id, n.number, n.kind) for n in result.numbers] == [
        (19, "39054148101", KIND_BIG), (52, "123456", KIND_REGISTER)]
    assert result.errors == result.warnings == []
    assert result.normalized == "19/39054148101, 52/123456"


def test_a_bare_number_needs_a_default_org_id():
    assert parse_custom1("39054148101", default_org_id=None).errors
    result = parse_custom1(" 39054148101 ,", default_org_id=19)
    assert result.errors == [] and result.normalized == "19/39054148101"


def test_a_failing_check_digit_is_a_warning_not_an_error():
    result = parse_custom1("19/49054148101", default_org_id=None)
    assert result.errors == []
    assert [str(n) for n in result.numbers] == ["19/49054148101"]
    assert "check digit" in result.warnings[0]


@pytest.mark.parametrize("value", ["19-39054148101", "abc/123", "19/12a45", "19/", "0/123456"])
def test_malformed_pairs_are_errors_that_name_the_item(value):
    result = parse_custom1(value, default_org_id=19)
    assert result.errors and result.numbers == []


def test_duplicates_are_kept_once_with_a_warning():
    result = parse_custom1("52/123456, 52 / 123456", default_org_id=None)
    assert len(result.numbers) == 1 and "twice" in result.warnings[0]


def test_empty_custom1_has_no_numbers():
    result = parse_custom1("", default_org_id=19)
    assert result.numbers == [] and result.errors == []


@pytest.mark.parametrize("value", ["19/３９０５４１４８１０１", "１９/39054148101", "19/3905414810\u0661", "19/²"])
def test_only_ascii_digits_make_a_pe_number(value):
    result = parse_custom1(value, default_org_id=19)
    assert result.errors and result.numbers == []

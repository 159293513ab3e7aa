"""Property: Learning Assistant's answer parsers, given hostile XML and values, raise only the client's own
error (LearningAssistantError), whatever the operation."""

from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrolments import client as la

OPERATIONS = [la.GET_FRAMEWORKS, la.GET_TRAINERS, la.GET_COMPANIES, la.GET_NATIONALITIES, la.GET_ETHNICITIES,
              la.GET_CANDIDATES, la.GET_PROGRESS, la.GET_PROGRESS_FULL, la.GROUP_ENROLMENT, la.UPDATE_ENROLMENT]
# Names the parsers look for, in odd cases, plus names they do not know.
KNOWN = sorted({name for table in (la.FRAMEWORK_FIELDS, la.UNIT_FIELDS, la.TRAINER_FIELDS, la.COMPANY_FIELDS,
                                   la.NATIONALITY_FIELDS, la.ETHNICITY_FIELDS, la.CANDIDATE_FIELDS,
                                   la.UNIT_PROGRESS_FIELDS, la.OUTCOME_FIELDS) for names in table.values()
                for name in names} | {*la.MESSAGE_LIST, *la.MESSAGE_TEXT, *la.MESSAGE_FIELD, *la.RESULT_SUCCESS,
                                      *la.PROGRESS_OVERALL, "Item", "multiRef"})
NAMES = st.one_of(st.sampled_from(KNOWN), st.sampled_from(KNOWN).map(str.upper),
                  st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True))
VALUES = st.one_of(st.sampled_from(["", "true", "false", "NaN", "inf", "-1", "1e999", "150", "0x10", " 12 ",
                                    "\u0661\u0662", "YES"]), st.text(max_size=20))
REFS = st.sampled_from(["#id1", "#id2", "#nope", "id1", "#"])


def _xml_text(text: str) -> str:
    return escape("".join(c for c in text if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"))


def _element(name, attributes, content) -> str:
    attrs = "".join(f" {key}={quoteattr(_xml_text(value))}" for key, value in attributes)
    return f"<{name}{attrs}>{content}</{name}>"


ATTRIBUTES = st.lists(st.one_of(st.tuples(st.just("href"), REFS), st.tuples(st.just("id"), st.sampled_from(
    ["id1", "id2", "id3"]))), max_size=2, unique_by=lambda a: a[0])
TREES = st.recursive(
    st.builds(_element, NAMES, ATTRIBUTES, VALUES.map(_xml_text)),
    lambda children: st.builds(_element, NAMES, ATTRIBUTES, st.lists(children, max_size=4).map("".join)),
    max_leaves=25)


def _envelope(operation: str, inner: str, siblings: list[str]) -> bytes:
    return (f"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
            f"<{operation}Response><{operation}Return>{inner}</{operation}Return></{operation}Response>"
            f"{''.join(siblings)}</soapenv:Body></soapenv:Envelope>").encode()


def _read(content: bytes, operation: str) -> None:
    try:
        la.read_answer(content, operation)
    except la.LearningAssistantError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.lists(TREES, max_size=4).map("".join), st.lists(TREES, max_size=3))
def test_hostile_answers_raise_only_the_clients_error(operation, inner, siblings):
    _read(_envelope(operation, inner, siblings), operation)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(OPERATIONS), st.binary(max_size=300))
def test_bytes_that_are_no_envelope_raise_only_the_clients_error(operation, content):
    _read(content, operation)


def test_a_reference_bomb_is_refused_not_expanded():
    """Each multiRef refers to the next one ten times: expanded it would hold 10**8 elements."""
    refs = "".join(_element(f"m{i}", [("id", f"r{i}")], "".join(f'<v href="#r{i + 1}"/>' for _ in range(10)))
                   for i in range(8))
    content = _envelope(la.GET_COMPANIES, '<item href="#r0"/>', [refs, "<m8 id='r8'>x</m8>"])
    try:
        la.read_answer(content, la.GET_COMPANIES)
    except la.LearningAssistantError as exc:
        assert "too many referenced values" in exc.message
    else:
        raise AssertionError("expanded")

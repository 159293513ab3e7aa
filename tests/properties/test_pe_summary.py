"""The PE-online Summary parser under hostile answers: it raises only the client's own error, and it never
marks a line accepted that the answer does not account for (totals, one Error per rejected row, no Error
naming the line, and an Accepted element per accepted line, none left over)."""

from collections import Counter
from datetime import datetime
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accreditation.client import FIRST_ATTENDANCE_LINE, LINE_NUMBER, Attendance, PEOnlineError, summary_parse

PERSONS = ["39054148101", "59059671101", "123456", "0", ""]
COURSES = ["8001", "9471", "IC_0091", "٨٠٠١", "8001 "]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

hostile = st.one_of(st.text(max_size=12), st.sampled_from(
    ["<", "&amp;", "&foo;", "]]>", "\x00", "²", "٣", "-1", "+1", " 1 ", "1e3", "99999999999999999999"]))
numbers = st.one_of(st.integers(min_value=-2, max_value=8).map(str), hostile)
lines = st.lists(st.builds(Attendance, course_id=st.sampled_from(COURSES[:3]), person_id=st.sampled_from(PERSONS[:3]),
                           end_date=st.just(datetime(2026, 1, 5, 10))), min_size=0, max_size=5)


MUTATIONS = ("count", "raw value", "drop error", "error course", "error person", "error without line",
             "extra error", "drop accepted", "extra accepted", "truncated", "doctype")


@st.composite
def answers(draw, attendances):
    """A truthful answer about the lines sent, bent by up to two hostile changes."""
    bent = set(draw(st.lists(st.sampled_from(MUTATIONS), max_size=2)))

    def once(mutation: str) -> bool:  # this mutation, at one place chosen by Hypothesis
        return mutation in bent and draw(st.booleans())

    def value(text: str) -> str:
        return text if once("raw value") else escape(text)

    outcomes = draw(st.lists(st.booleans(), min_size=len(attendances), max_size=len(attendances)))
    good = [a for a, ok in zip(attendances, outcomes, strict=True) if ok]
    counts = {"rejected_rows": len(attendances) - len(good), "accepted_rows": len(good),
              "total_rows": len(attendances)}
    results = "".join(f"<{name}>{value(draw(numbers) if once('count') else str(count))}</{name}>"
                      for name, count in counts.items())
    errors = []
    for index, (attendance, ok) in enumerate(zip(attendances, outcomes, strict=True)):
        if ok or once("drop error"):
            continue
        line, course, person = str(index + FIRST_ATTENDANCE_LINE), attendance.course_id, attendance.person_id
        if once("error course"):
            course = draw(st.one_of(st.sampled_from(COURSES), hostile))
        if once("error person"):
            person = draw(st.sampled_from(PERSONS))
        message = draw(st.sampled_from([f"Cursus {course} op regel {line} bestaat niet in PE",
                                        f"Professional {person} op regel {line} bestaat niet in PE"]))
        if once("error without line"):
            message = draw(st.sampled_from([f"Cursus op regel {line} niet opgegeven", "ERROR1021",
                                            f"op regel {draw(hostile)}"]))
        errors.append(("100", message))
    if "extra error" in bent:
        errors.append((draw(st.one_of(st.sampled_from(["100", "400", "500", "505"]), hostile)),
                       draw(st.one_of(hostile, st.just("Cursus 8001 op regel 2")))))
    accepted = [(a.person_id, a.course_id) for a in good if not once("drop accepted")]
    if "extra accepted" in bent:
        accepted.append((draw(st.sampled_from(PERSONS)), draw(st.sampled_from(COURSES))))
    body = "".join(draw(st.permutations(
        [f"<Results>{results}</Results>",
         *(f"<Error><errorNR>{value(n)}</errorNR><errorMsg>{value(m)}</errorMsg></Error>" for n, m in errors),
         *(f"<Accepted><person>{value(p)}</person><course>{value(c)}</course><date>x</date></Accepted>"
           for p, c in accepted)])))
    text = f"<Summary>{body}</Summary>"
    if "doctype" in bent:
        text = f'<!DOCTYPE x [<!ENTITY e "x">]>{text}'
    if "truncated" in bent:
        text = text[: draw(st.integers(0, len(text)))]
    return f"<ProcessXMLResult>{text}</ProcessXMLResult>" if draw(st.booleans()) else text


@SETTINGS
@given(data=st.data(), attendances=lines)
def test_no_line_is_accepted_that_the_answer_does_not_account_for(data, attendances):
    text = data.draw(answers(attendances))
    try:
        summary = summary_parse(text, attendances=attendances)
    except PEOnlineError:
        return
    assert len(summary.lines) == len(attendances)
    accepted = [index for index, line in enumerate(summary.lines) if line.accepted]
    if not accepted:
        return
    root = ElementTree.fromstring(text)
    root = root if root.tag == "Summary" else root.find(".//Summary")
    counts = [root.findtext(f"Results/{name}") for name in ("total_rows", "accepted_rows", "rejected_rows")]
    total, accepted_rows, rejected_rows = (int(c) for c in counts)
    errors = [" ".join((e.findtext("errorMsg") or "").split()) for e in root.findall("Error")]
    assert total == len(attendances) == accepted_rows + rejected_rows
    assert len(accepted) == accepted_rows and len(errors) == rejected_rows
    named = {int(m[1]) - FIRST_ATTENDANCE_LINE for m in map(LINE_NUMBER.search, errors) if m}
    assert not named & set(accepted), "an accepted line is named by an Error"
    listed = Counter(((a.findtext("person") or "").strip(), (a.findtext("course") or "").strip())
                     for a in root.findall("Accepted"))
    assert listed == Counter((attendances[i].person_id, attendances[i].course_id) for i in accepted)


@SETTINGS
@given(text=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))), attendances=lines)
def test_any_text_gives_a_summary_or_the_client_s_own_error(text, attendances):
    try:
        summary = summary_parse(text, attendances=attendances)
    except PEOnlineError:
        return
    assert not any(line.accepted for line in summary.lines)

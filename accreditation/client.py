"""The only code that talks to PE-online's attendance web service "WriteAttendance"
(reference/pe-online: the vendor's specification v0.1 and example XML; API-NOTES).

One operation, ``ProcessXML``: an ``Entry`` document (``Settings`` + one ``Attendance`` per line)
posted as the form field ``sXML``; the answer is a ``Summary``. The Entry is built with an XML
library, the Summary parsed with defusedxml. The userKey travels only inside the posted Entry: it
is never logged, audited (``sXML`` is a secret name in ``portal.http``), stored or shown.
"""

import re
import xml.etree.ElementTree as ET  # building only; answers are parsed with defusedxml
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import requests
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.http import RemoteCall, RemoteError, build_session, read_timed_out

SYSTEM = "pe_online"
MAX_BATCH = 100  # the specification: at most 100 Attendances per call

# --- What the documents do not pin down --------------------------------------------------------
# Change it here when the real service disagrees, nowhere else.
#
# The HTTP POST binding answers with the Summary document itself; an answer wrapped in
# ProcessXMLResult (as over SOAP) is accepted too.
OPERATION_PATH = "/ProcessXML"
# Messages in Dutch: the line mapping reads "op regel n".
LANGUAGE_ID = "1"
# No error report by e-mail: the portal shows every answer.
SETTING_OUTPUT, EMAIL_OUTPUT = "0", ""
# "op regel n": in the vendor's example the first Attendance is "regel 2" (the error names course 9471,
# the first line, and both other lines are accepted), so line n is Attendance number n - 1.
FIRST_ATTENDANCE_LINE = 2
# An error maps to its line only when what it names agrees with that line: the course ("Cursus [ID]", as
# sent: PE-online's number or the external code) and the person ("Professional [ID]"); a message that
# names neither (e.g. "Professional op regel n niet opgegeven", which we never send) maps to no line.
# An Accepted element names the person and the course as sent (the vendor's example answer).
# ASCII digits (0-9) are PE-online's own ID (PECourseID), anything else the provider's own code
# (externalCourseID): the specification types PE*ID as Integer.
ID_ELEMENTS = {
    "course": ("PECourseID", "externalCourseID"),
    "module": ("PEModuleID", "externalmoduleID"),
    "edition": ("PEEditionID", "externalEditionID"),
    "meeting": ("PEMeetingID", "externalMeetingID"),
}
# The connection test posts an Entry without Attendance: a wrong key still answers 400.
# ----------------------------------------------------------------------------------------------

LINE_NUMBER = re.compile(r"\bop regel ([0-9]+)\b", re.I)
NAMED_COURSE = re.compile(r"\bCursus (?!op regel\b)(\S+)", re.I)
NAMED_PERSON = re.compile(r"\bProfessional (?!op regel\b)(\S+)", re.I)
PE_NUMBER = re.compile(r"[0-9]+")
INVALID_XML = 505
ANSWER_LIMIT = 32_000  # characters of a whole answer kept on an award whose line it cannot be pinned to
BATCH_ERRORS = {
    400: gettext_lazy("No access: PE-online does not accept this userID and userKey (or the web service is not set up for "
           "the account)."),
    500: gettext_lazy("PE-online refused the batch: too many records in one call."),
    505: gettext_lazy("PE-online found the XML structure invalid; nothing was processed."),
}


class PEOnlineError(RemoteError):
    """PE-online processed nothing; ``message`` is fit to show a coordinator."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False, answer: str = "",
                 may_have_arrived: bool = False):
        super().__init__(message, system=SYSTEM, status=status, retryable=retryable)
        self.answer = answer
        # True when the request may have reached PE-online although no answer came (a read timeout).
        self.may_have_arrived = may_have_arrived


@dataclass(frozen=True)
class Attendance:
    """One line of an Entry. IDs are strings: digits go as PE-online's ID, anything else as external code."""

    course_id: str
    person_id: str
    module_id: str = ""
    edition_id: str = ""
    meeting_id: str = ""
    end_date: datetime | None = None

    def element(self) -> ET.Element:
        node = ET.Element("Attendance")
        _id(node, "course", self.course_id)
        ET.SubElement(node, "externalPersonID").text = self.person_id
        for kind, value in (("module", self.module_id), ("edition", self.edition_id), ("meeting", self.meeting_id)):
            if value:
                _id(node, kind, value)
        if self.end_date is not None:
            ET.SubElement(node, "endDate").text = self.end_date.isoformat()
        return node

    def xml(self) -> str:
        """The line as sent (it holds no secret)."""
        return ET.tostring(self.element(), encoding="unicode")


def _id(parent: ET.Element, kind: str, value: str) -> None:
    pe_name, external_name = ID_ELEMENTS[kind]
    ET.SubElement(parent, pe_name if PE_NUMBER.fullmatch(value) else external_name).text = value


ACCEPTED, REJECTED, UNKNOWN = "accepted", "rejected", "unknown"


@dataclass(frozen=True)
class LineOutcome:
    status: str  # ACCEPTED, REJECTED or UNKNOWN (the answer does not account for the line: check in PE-online)
    message: str = ""
    answer: str = ""  # what PE-online answered about this line; the whole answer when it cannot be pinned down

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


@dataclass(frozen=True)
class Summary:
    """PE-online's answer, cross-checked against the lines sent: one outcome per line, in order."""

    total_rows: int | None
    accepted_rows: int | None
    rejected_rows: int | None
    lines: tuple[LineOutcome, ...]


def entry_xml(*, user_id: str, user_key: str, org_id: int, attendances: Sequence[Attendance]) -> bytes:
    entry = ET.Element("Entry")
    settings = ET.SubElement(entry, "Settings")
    for name, value in (("userID", user_id), ("userRole", "EDU"), ("userKey", user_key), ("orgID", str(org_id)),
                        ("settingOutput", SETTING_OUTPUT), ("emailOutput", EMAIL_OUTPUT),
                        ("languageID", LANGUAGE_ID), ("defaultLanguageID", LANGUAGE_ID)):
        ET.SubElement(settings, name).text = value
    for attendance in attendances:
        entry.append(attendance.element())
    return ET.tostring(entry, encoding="utf-8", xml_declaration=True)


def _count(node, path: str) -> int | None:
    text = (node.findtext(path) or "").strip()
    return int(text) if PE_NUMBER.fullmatch(text) else None


def summary_parse(text: str, *, attendances: Sequence[Attendance]) -> Summary:
    """Read a Summary; raises :class:`PEOnlineError` for an answer that processed nothing (400/500/505)."""
    try:
        root = SafeET.fromstring(text.encode("utf-8"))
    except (SafeET.ParseError, ValueError) as exc:
        raise PEOnlineError(_("PE-online's answer is not XML: %(error)s") % {"error": exc}, retryable=True,
                            answer=text[:2000]) from exc
    summary = root if root.tag == "Summary" else root.find(".//Summary")
    if summary is None:
        raise PEOnlineError(_("PE-online answered without a Summary."), retryable=True, answer=text[:2000])
    errors: list[tuple[str, str]] = []  # (label "errorNR: errorMsg", errorMsg)
    for error in summary.findall("Error"):
        number = _count(error, "errorNR")
        message = " ".join((error.findtext("errorMsg") or "").split())
        if number in BATCH_ERRORS:
            raise PEOnlineError(f"{BATCH_ERRORS[number]} ({number}: {message})", status=number, answer=text[:2000])
        errors.append((f"{'?' if number is None else number}: {message}", message))
    accepted = [((node.findtext("person") or "").strip(), (node.findtext("course") or "").strip(),
                 ET.tostring(node, encoding="unicode").strip()) for node in summary.findall("Accepted")]
    counts = tuple(_count(summary, f"Results/{name}") for name in ("total_rows", "accepted_rows", "rejected_rows"))
    return Summary(*counts, lines=_cross_check(attendances, counts, errors, accepted, text))


def _cross_check(attendances: Sequence[Attendance], counts: tuple, errors: list[tuple[str, str]],
                 accepted: list[tuple[str, str, str]], text: str) -> tuple[LineOutcome, ...]:
    """A line is accepted only when the whole answer accounts for it; rejected only when an Error names it
    and agrees with it; otherwise unknown. Doubt never turns into *accepted*."""
    total, accepted_rows, rejected_rows = counts
    lines = len(attendances)
    whole = text[:ANSWER_LIMIT]
    # The specification: one Error per rejected line ("een foutmelding per foute regel").
    if None in counts or accepted_rows + rejected_rows != total or total != lines or len(errors) != rejected_rows:
        reason = ngettext("PE-online's totals do not add up for the %(lines)s line sent: check in PE-online.",
                          "PE-online's totals do not add up for the %(lines)s lines sent: check in PE-online.", lines)
        return _all_unknown(lines, reason % {"lines": lines}, errors, whole)
    rejected: dict[int, list[str]] = {}
    doubtful: set[int] = set()  # named by an Error that disagrees with the line
    unplaced: list[str] = []
    for label, message in errors:
        match = LINE_NUMBER.search(message)
        index = int(match[1]) - FIRST_ATTENDANCE_LINE if match else -1
        if 0 <= index < lines and _names_line(message, attendances[index]):
            rejected.setdefault(index, []).append(label)
            continue
        if 0 <= index < lines:
            doubtful.add(index)
        unplaced.append(label)
    pool: dict[tuple[str, str], list[str]] = {}
    for person, course, element in accepted:
        pool.setdefault((person, course), []).append(element)
    marked: dict[int, str] = {}
    for index, attendance in enumerate(attendances):
        elements = pool.get((attendance.person_id, attendance.course_id))
        if index not in rejected and index not in doubtful and elements:
            marked[index] = elements.pop(0)
    if any(pool.values()) or len(marked) != accepted_rows:
        reason = _("PE-online's Accepted list does not match the lines sent: check in PE-online.")
        return _all_unknown(lines, reason, errors, whole)
    results = (f"<Results><rejected_rows>{rejected_rows}</rejected_rows><accepted_rows>{accepted_rows}"
               f"</accepted_rows><total_rows>{total}</total_rows></Results>")
    outcomes = []
    for index in range(lines):
        if index in rejected:
            message = "; ".join(rejected[index])
            outcomes.append(LineOutcome(REJECTED, message, f"{results}\n{message}"))
        elif index in marked:
            outcomes.append(LineOutcome(ACCEPTED, "", f"{results}\n{marked[index]}"))
        else:
            message = _("PE-online's answer does not account for this line: check in PE-online.")
            outcomes.append(LineOutcome(UNKNOWN, "; ".join([message, *unplaced]), whole))
    return tuple(outcomes)


def _names_line(message: str, attendance: Attendance) -> bool:
    course, person = NAMED_COURSE.search(message), NAMED_PERSON.search(message)
    return bool(course or person) and (course is None or course[1] == attendance.course_id) and (
        person is None or person[1] == attendance.person_id)


def _all_unknown(lines: int, reason: str, errors: list[tuple[str, str]], whole: str) -> tuple[LineOutcome, ...]:
    message = "; ".join([reason, *(label for label, _message in errors)])
    return tuple(LineOutcome(UNKNOWN, message, whole) for _line in range(lines))


def pe_online_session(user_key: str, *, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                      on_call: Callable[[RemoteCall], None] | None = None, backoff: float = 0.5):
    return build_session(system=SYSTEM, label="PE-online", error=_door_error, connect_timeout=connect_timeout,
                         read_timeout=read_timeout, secrets=[user_key], on_call=on_call, backoff=backoff)


def _door_error(message: str, *, status: int) -> PEOnlineError:
    """The session's own refusals (a redirect, an answer too large): a 2xx answer means the lines may be
    written, though it could not be read."""
    return PEOnlineError(message, status=status, may_have_arrived=200 <= status < 300)


class PEOnlineClient:
    def __init__(self, base_url: str, user_id: str, user_key: str, *, connect_timeout: float = 5.0,
                 read_timeout: float = 30.0, on_call: Callable[[RemoteCall], None] | None = None, session=None):
        self.url = base_url.rstrip("/") + OPERATION_PATH
        self.user_id = user_id
        self._user_key = user_key
        self.session = session or pe_online_session(user_key, connect_timeout=connect_timeout,
                                                    read_timeout=read_timeout, on_call=on_call)

    def process_xml(self, *, org_id: int, attendances: Sequence[Attendance]) -> Summary:
        """Send one batch for one OrgID. Never retried here: a batch is resent only by the submission job,
        which knows which lines PE-online deduplicates."""
        if len(attendances) > MAX_BATCH:
            raise ValueError(f"At most {MAX_BATCH} attendances per call")
        body = entry_xml(user_id=self.user_id, user_key=self._user_key, org_id=org_id, attendances=attendances)
        try:
            response = self.session.post(self.url, data={"sXML": body.decode("utf-8")})
        except requests.RequestException as exc:
            # An answer that started but did not finish in time is a ConnectionError too: it arrived.
            if read_timed_out(exc):
                raise PEOnlineError(_("PE-online did not answer in time: %(error)s") % {"error": type(exc).__name__},
                                    retryable=True, may_have_arrived=True) from exc
            raise PEOnlineError(_("PE-online could not be reached: %(error)s") % {"error": type(exc).__name__},
                                retryable=True) from exc
        if response.status_code != 200:
            raise PEOnlineError(_("PE-online answered HTTP %(status)s.") % {"status": response.status_code},
                                status=response.status_code,
                                retryable=response.status_code >= 500 or response.status_code == 429,
                                answer=response.text[:2000])
        try:
            return summary_parse(response.text, attendances=attendances)
        except PEOnlineError as exc:
            # A 200 we cannot read (retryable) may come after PE-online wrote the lines; a Summary saying
            # that nothing was processed (400/500/505, final) is certain.
            exc.may_have_arrived = exc.retryable
            raise

    def check_connection(self, *, org_id: int) -> Summary:
        return self.process_xml(org_id=org_id, attendances=[])

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
from django.utils.translation import gettext_lazy

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
# A number is PE-online's own ID (PECourseID), anything else the provider's own code (externalCourseID).
ID_ELEMENTS = {
    "course": ("PECourseID", "externalCourseID"),
    "module": ("PEModuleID", "externalmoduleID"),
    "edition": ("PEEditionID", "externalEditionID"),
    "meeting": ("PEMeetingID", "externalMeetingID"),
}
# The connection test posts an Entry without Attendance: a wrong key still answers 400.
# ----------------------------------------------------------------------------------------------

LINE_NUMBER = re.compile(r"\bop regel (\d+)\b", re.I)
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
    ET.SubElement(parent, pe_name if value.isdigit() else external_name).text = value


@dataclass(frozen=True)
class LineOutcome:
    accepted: bool
    message: str = ""


@dataclass(frozen=True)
class Summary:
    total_rows: int
    accepted_rows: int
    rejected_rows: int
    # line index (0-based, as sent) -> PE-online's message, for every rejected line
    rejected: dict[int, str]
    # errors PE-online gave without a line we could map (kept so nothing is silently lost)
    unmapped_errors: tuple[str, ...]
    # (person, course) -> the Accepted element, as PE-online wrote it
    accepted: dict[tuple[str, str], str]

    def outcome(self, index: int, attendance: Attendance) -> LineOutcome:
        if index in self.rejected:
            return LineOutcome(False, self.rejected[index])
        if self.unmapped_errors and (attendance.person_id, attendance.course_id) not in self.accepted:
            # An error without a line we could read, and this line is not among the Accepted ones.
            return LineOutcome(False, "; ".join(self.unmapped_errors))
        return LineOutcome(True)

    def line_answer(self, index: int, attendance: Attendance) -> str:
        """What PE-online answered about one line: its Error or its Accepted element, and the totals."""
        totals = (f"<Results><rejected_rows>{self.rejected_rows}</rejected_rows><accepted_rows>{self.accepted_rows}"
                  f"</accepted_rows><total_rows>{self.total_rows}</total_rows></Results>")
        outcome = self.outcome(index, attendance)
        if not outcome.accepted:
            return f"{totals}\n{outcome.message}"
        return f"{totals}\n{self.accepted.get((attendance.person_id, attendance.course_id), '')}".rstrip()


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


def _int(node, path: str) -> int:
    text = node.findtext(path)
    return int(text.strip()) if text and text.strip().isdigit() else 0


def summary_parse(text: str, *, lines: int) -> Summary:
    """Read a Summary; raises :class:`PEOnlineError` for an answer that processed nothing (400/500/505)."""
    try:
        root = SafeET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except (SafeET.ParseError, ValueError) as exc:
        raise PEOnlineError(_("PE-online's answer is not XML: %(error)s") % {"error": exc}, retryable=True,
                            answer=text[:2000]) from exc
    summary = root if root.tag == "Summary" else root.find(".//Summary")
    if summary is None:
        raise PEOnlineError(_("PE-online answered without a Summary."), retryable=True, answer=text[:2000])
    rejected: dict[int, str] = {}
    unmapped: list[str] = []
    for error in summary.findall("Error"):
        number = _int(error, "errorNR")
        message = " ".join((error.findtext("errorMsg") or "").split())
        if number in BATCH_ERRORS:
            raise PEOnlineError(f"{BATCH_ERRORS[number]} ({number}: {message})", status=number, answer=text)
        match = LINE_NUMBER.search(message)
        index = int(match[1]) - FIRST_ATTENDANCE_LINE if match else -1
        if 0 <= index < lines:
            rejected[index] = f"{number}: {message}"
        else:
            unmapped.append(f"{number}: {message}")
    accepted = {((node.findtext("person") or "").strip(), (node.findtext("course") or "").strip()):
                ET.tostring(node, encoding="unicode").strip() for node in summary.findall("Accepted")}
    return Summary(total_rows=_int(summary, "Results/total_rows"), accepted_rows=_int(summary, "Results/accepted_rows"),
                   rejected_rows=_int(summary, "Results/rejected_rows"), rejected=rejected,
                   unmapped_errors=tuple(unmapped), accepted=accepted)


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
            return summary_parse(response.text, lines=len(attendances))
        except PEOnlineError as exc:
            # A 200 we cannot read (retryable) may come after PE-online wrote the lines; a Summary saying
            # that nothing was processed (400/500/505, final) is certain.
            exc.may_have_arrived = exc.retryable
            raise

    def check_connection(self, *, org_id: int) -> Summary:
        return self.process_xml(org_id=org_id, attendances=[])

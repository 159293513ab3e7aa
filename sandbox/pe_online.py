"""A stateful stand-in for PE-online's attendance web service, after the vendor's specification v0.1
(reference/pe-online) and API-NOTES: written from the documents, not from the portal's client.

``POST <base>/ProcessXML`` with the form field ``sXML``. It checks the key (400), the XML structure
(505: unknown element, wrong data type, missing required element), the batch size (500), then every
Attendance on its own with the specification's messages per course type; lines are numbered as in
the vendor's example answer, where the first Attendance is "regel 2". Accepted attendances are kept;
for types 2 and 3 person + course (+ module) + endDate is unique, as PE-online promises.

Settings are checked as the specification states them: ``userRole`` is ``EDU``, ``languageID`` equals
``defaultLanguageID`` (1, 3 or 6); Integer elements (``orgID``, every ``PE*ID``) hold ASCII digits only
and ``endDate`` is a date-time (``xs:dateTime``, seconds required), else the structure is invalid (505).

``answer_mode`` makes it answer as a faulty PE-online might (one of ``ANSWER_MODES``), after processing
the lines as usual: a bare ``<Summary/>``, totals that do not add up (no Error, two rejected rows too
many), every Error naming another course than the line's, or an Accepted list naming other persons.

Choices where the documents are silent: GET is refused (405: the key would travel in the URL), a
missing ``sXML`` answers HTTP 500 as ASP.NET does, a course belongs to one register (orgID), a
wrong userRole or language is an invalid structure (505).
"""

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

from defusedxml import ElementTree as SafeET

from sandbox.server import SandboxApp, SandboxRequest, SandboxResponse

DEFAULT_USER_ID, DEFAULT_USER_KEY = "1", "sandbox-user-key"
BASE_PATH = "/pe-services/pe-attendanceelearning/WriteAttendance.asmx"
MAX_ATTENDANCES = 100
FIRST_LINE = 2  # the vendor's example: the first Attendance is reported as "regel 2"

SETTINGS = {"userID": int, "userRole": str, "userKey": str, "orgID": int, "settingOutput": int, "emailOutput": str,
            "languageID": int, "defaultLanguageID": int}
REQUIRED_SETTINGS = ("userID", "userRole", "userKey", "orgID")
LANGUAGES = (1, 3, 6)  # NL, FR, EN
INTEGER = re.compile(r"[0-9]+")
DATE_TIME = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?")
BARE, UNBALANCED, WRONG_COURSE, OTHER_PERSONS = "bare", "unbalanced", "wrong_course", "other_persons"
ANSWER_MODES = (BARE, UNBALANCED, WRONG_COURSE, OTHER_PERSONS)
ATTENDANCE = {"PECourseID": int, "externalCourseID": str, "externalPersonID": str, "PEModuleID": int,
              "externalmoduleID": str, "endDate": datetime, "PEEditionID": int, "externalEditionID": str,
              "PEMeetingID": int, "externalMeetingID": str}


class InvalidStructure(Exception):
    pass


@dataclass
class Course:
    id: int
    type: int  # 1 per meeting, 2 e-learning, 3 expertise groups, 4 physical, accreditation of the total
    org_id: int
    external_id: str = ""
    modules: dict[str, int] = field(default_factory=dict)  # external code -> PEModuleID
    editions: dict[int, list[int]] = field(default_factory=dict)  # PEEditionID -> PEMeetingIDs


@dataclass(frozen=True)
class Accepted:
    org_id: int
    person: str
    course: int
    module: int | None
    edition: int | None
    meeting: int | None
    end_date: datetime | None


class PEOnlineSandbox(SandboxApp):
    name = "pe_online"

    def __init__(self, user_id: str = DEFAULT_USER_ID, user_key: str = DEFAULT_USER_KEY):
        super().__init__()
        self.user_id, self.user_key = user_id, user_key
        self.courses: dict[int, Course] = {}
        self.persons: set[tuple[int, str]] = set()  # (orgID, number)
        self.attendances: list[Accepted] = []
        self._written: set[Accepted] = set()  # types 2 and 3: written once
        # Seconds to wait after processing, before answering: a client can die between send and answer.
        self.answer_delay = 0.0
        # "" answers as the specification says; one of ANSWER_MODES answers a malformed Summary.
        self.answer_mode = ""

    @classmethod
    def with_demo_data(cls, **kwargs) -> "PEOnlineSandbox":
        """The specification's example professionals and courses, and a course of each type."""
        sandbox = cls(**kwargs)
        for number in ("39054148101", "59059671101"):
            sandbox.add_person(19, number)
        sandbox.add_person(52, "123456")
        sandbox.add_course(8001, type=3, org_id=19)
        sandbox.add_course(9471, type=2, org_id=19, modules={"Module_A": 94711})
        sandbox.add_course(7001, type=2, org_id=52)
        sandbox.add_course(4001, type=4, org_id=19, editions={40011: []})
        sandbox.add_course(1001, type=1, org_id=19, editions={10011: [100111, 100112]})
        return sandbox

    # --- state, for tests and the demo -----------------------------------------------------------
    def add_person(self, org_id: int, number: str) -> None:
        self.persons.add((org_id, number))

    def add_course(self, id: int, *, type: int, org_id: int, **kwargs) -> Course:
        self.courses[id] = Course(id=id, type=type, org_id=org_id, **kwargs)
        return self.courses[id]

    # --- the web service ---------------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path != BASE_PATH + "/ProcessXML":
            return SandboxResponse(404, "Not found", "text/plain")
        if request.method != "POST":
            return SandboxResponse(405, "Only the HTTP POST binding is served here", "text/plain")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return SandboxResponse(415, "Expected a form post", "text/plain")
        values = request.form.get("sXML")
        if not values:
            return SandboxResponse(500, "Missing parameter: sXML.", "text/plain")
        answer = self.process(values[0])
        if self.answer_delay:
            self.lock.release()  # other calls go on while this answer waits
            try:
                time.sleep(self.answer_delay)
            finally:
                self.lock.acquire()
        return SandboxResponse(200, answer, "text/xml; charset=utf-8")

    def process(self, sxml: str) -> str:
        try:
            settings, lines = _read_entry(sxml)
        except InvalidStructure:
            return _summary(0, 0, 0, [(505, "Invalid XML structure")], [])
        if settings["userRole"] != "EDU" or settings.get("languageID") != settings.get("defaultLanguageID") or (
                settings.get("languageID", 1) not in LANGUAGES):
            return _summary(0, 0, 0, [(505, "Invalid XML structure")], [])
        if settings["userID"] != self.user_id or settings["userKey"] != self.user_key:
            return _summary(0, 0, 0, [(400, "No access; incorrect key / Geen toegang; onjuiste sleutel")], [])
        if len(lines) > MAX_ATTENDANCES:
            return _summary(0, 0, len(lines), [(500, "Te veel records in 1 aanroep")], [])
        org_id = int(settings["orgID"])
        errors, accepted = [], []
        for index, line in enumerate(lines):
            number = index + FIRST_LINE
            message = self._check(org_id, line, number)
            if message:
                errors.append((100, message))
                continue
            self._keep(org_id, line)
            accepted.append(line)
        return self._answer(len(errors), len(accepted), len(lines), errors, accepted)

    def _answer(self, rejected: int, accepted: int, total: int, errors: list, lines: list[dict]) -> str:
        if self.answer_mode == BARE:
            return '<?xml version="1.0" standalone="yes"?><Summary/>'
        if self.answer_mode == UNBALANCED:
            return _summary(rejected + 2, accepted, total, [], lines)
        if self.answer_mode == WRONG_COURSE:
            errors = [(number, re.sub(r"^Cursus \S+", "Cursus 999999", message)) for number, message in errors]
        if self.answer_mode == OTHER_PERSONS:
            lines = [{**line, "externalPersonID": "0" + line["externalPersonID"]} for line in lines]
        return _summary(rejected, accepted, total, errors, lines)

    def _course(self, line: dict) -> Course | None:
        if "PECourseID" in line:
            return self.courses.get(line["PECourseID"])
        return next((c for c in self.courses.values() if c.external_id == line.get("externalCourseID")), None)

    def _check(self, org_id: int, line: dict, n: int) -> str:
        person = line.get("externalPersonID")
        course_ref = line.get("PECourseID", line.get("externalCourseID"))
        if not person:
            return f"Professional op regel {n} niet opgegeven"
        if course_ref is None:
            return f"Cursus op regel {n} niet opgegeven"
        course = self._course(line)
        if course is None:
            return f"Cursus {course_ref} op regel {n} bestaat niet in PE"
        if course.org_id != org_id:
            return (f"Cursus {course_ref} op regel {n} is niet (juist) geaccrediteerd; Niet geaccrediteerd bij een "
                    f"beroepsgroep van de organisatie {org_id}")
        if (org_id, person) not in self.persons:
            return f"Professional {person} op regel {n} bestaat niet in PE"
        module = line.get("PEModuleID", line.get("externalmoduleID"))
        edition = line.get("PEEditionID", line.get("externalEditionID"))
        meeting = line.get("PEMeetingID", line.get("externalMeetingID"))
        if course.type in (2, 3):
            if "endDate" not in line:
                kind = "e-learning" if course.type == 2 else "groepen"
                return f"Cursus {course.id} op regel {n} bevat geen enddate, dit is verplicht voor {kind}"
            if edition is not None or meeting is not None:
                return f"Cursus {course.id} op regel {n} bevat editions en/of meetings, dat niet niet toegestaan voor e-learning"
            if course.modules and module is None:
                return f"Cursus {course.id} Module op regel {n} niet opgegeven"
            if module is not None and module not in course.modules and module not in course.modules.values():
                return f"Cursus {course.id} Module {module} op regel {n} bestaat niet in PE"
            return ""
        if "endDate" in line:
            return f"Cursus {course.id} op regel {n} bevat een enddate, dit is niet mogelijk voor klassikaal"
        if edition is None:
            return f"Cursus {course.id} uitvoering op regel {n} niet opgegeven"
        if edition not in course.editions:
            return f"Cursus {course.id} uitvoering {edition} op regel {n} bestaat niet in PE"
        meetings = course.editions[edition]
        if course.type == 1 and len(meetings) > 1 and meeting is None:
            return f"Cursus {course.id} uitvoering {edition} bijeenkomst op regel {n} niet opgegeven"
        if meeting is not None and meeting not in meetings:
            return f"Cursus {course.id} uitvoering {edition} bijeenkomst {meeting} op regel {n} bestaat niet in PE"
        return ""

    def _keep(self, org_id: int, line: dict) -> None:
        course = self._course(line)
        module = line.get("PEModuleID") or course.modules.get(line.get("externalmoduleID", ""))
        record = Accepted(org_id=org_id, person=line["externalPersonID"], course=course.id, module=module,
                          edition=line.get("PEEditionID"), meeting=line.get("PEMeetingID"),
                          end_date=line.get("endDate"))
        if course.type in (2, 3):
            if record in self._written:
                return  # written once only, as the specification promises for e-learning and groups
            self._written.add(record)
        self.attendances.append(record)


def _typed(name: str, text: str, kind):
    text = (text or "").strip()
    try:
        if kind is int:
            if not INTEGER.fullmatch(text):  # int() would take " 5", "+5", "1_0" and other scripts' digits
                raise ValueError("not an integer")
            return int(text)
        if kind is datetime:
            if not DATE_TIME.fullmatch(text):  # fromisoformat would take a date alone, or no seconds
                raise ValueError("not a date-time")
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidStructure(f"{name}: {text!r}") from exc
    return text


def _read_entry(sxml: str) -> tuple[dict, list[dict]]:
    try:
        root = SafeET.fromstring(sxml.encode("utf-8"))
    except (SafeET.ParseError, ValueError) as exc:
        raise InvalidStructure(str(exc)) from exc
    if root.tag != "Entry" or root.find("Settings") is None:
        raise InvalidStructure("no Entry/Settings")
    settings_node, *others = list(root)
    if settings_node.tag != "Settings" or any(node.tag != "Attendance" for node in others):
        raise InvalidStructure("Entry holds Settings, then Attendance elements")
    settings = {}
    for node in settings_node:
        if node.tag not in SETTINGS:
            raise InvalidStructure(node.tag)
        settings[node.tag] = _typed(node.tag, node.text, SETTINGS[node.tag]) if node.tag != "userID" else (node.text or "").strip()
    if any(name not in settings for name in REQUIRED_SETTINGS):
        raise InvalidStructure("a required setting is missing")
    lines = []
    for attendance in others:
        line = {}
        for node in attendance:
            if node.tag not in ATTENDANCE or node.tag in line:
                raise InvalidStructure(node.tag)
            line[node.tag] = _typed(node.tag, node.text, ATTENDANCE[node.tag])
        lines.append(line)
    return settings, lines


def _summary(rejected: int, accepted: int, total: int, errors: list[tuple[int, str]], lines: list[dict]) -> str:
    root = ET.Element("Summary")
    results = ET.SubElement(root, "Results")
    for name, value in (("rejected_rows", rejected), ("accepted_rows", accepted), ("total_rows", total)):
        ET.SubElement(results, name).text = str(value)
    for number, message in errors:
        error = ET.SubElement(root, "Error")
        ET.SubElement(error, "errorNR").text = str(number)
        ET.SubElement(error, "errorMsg").text = message
    now = datetime.now(UTC).astimezone()
    for line in lines:
        node = ET.SubElement(root, "Accepted")
        ET.SubElement(node, "person").text = line["externalPersonID"]
        ET.SubElement(node, "course").text = str(line.get("PECourseID", line.get("externalCourseID")))
        ET.SubElement(node, "date").text = (line.get("endDate") or now).isoformat()
    return ET.tostring(root, encoding="unicode", xml_declaration=True)

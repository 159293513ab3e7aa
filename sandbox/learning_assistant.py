"""A stateful stand-in for Learning Assistant's SOAP services, after the recovered method pages
(Authenticate, GetCandidates, GroupEnrolment, UpdateEnrolment) and, where they stop, API-NOTES.

It is deliberately strict where the pages are exact: only the published service paths (plus
the two configurable Courses/Companies paths), POST only, the operation in
``https://api.learningassistant.com``, the ``authToken`` header as each page spells it
(Users: ``http://`` namespace with qualified ``id``/``uuid``; Group Enrolment: ``tns:authToken``
with unqualified children), struct arguments only by multiRef ``href``, and only element names
the pages show (or the client's marked assumptions, mirrored in ``USER_FIELDS``). The token
slides 30 minutes on the sandbox's own clock, which tests move with :meth:`advance`. Progress
advances with that clock too.
"""

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from sandbox.server import SandboxApp, SandboxRequest, SandboxResponse

DEFAULT_USERNAME, DEFAULT_PASSWORD = "sandbox-user", "sandbox-password"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAPENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LA = "https://api.learningassistant.com"
LA_HTTP = "http://api.learningassistant.com"
ENROLMENT_TYPES = "http://enrolment.types.soap.webservices"
USER_TYPES = "http://user.types.soap.webservices"
XSD = "http://www.w3.org/2001/XMLSchema"
TOKEN_LIFETIME = timedelta(minutes=30)
for _prefix, _uri in (("soapenv", SOAPENV), ("soapenc", SOAPENC), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)

USERS_PATH = "/webservices/soap/user.cfc"
ENROLMENT_PATH = "/webservices/soap/enrolment.cfc"
UPDATE_PATH = "/webservices/soap/enrolment_update.cfc"
AUTH_PATH = "/webservices/soap/authenticate.cfc"
COURSES_PATH = "/webservices/soap/course.cfc"  # not published: the portal's default, configurable there
COMPANIES_PATH = "/webservices/soap/company.cfc"

# Element names of the two user types: as recovered up to LineManager(PhoneNumber), then the
# portal's assumptions (see enrolments/client.py) so the two can be checked against each other.
USER_FIELDS = {
    "Address", "AwardingBodyRegistrationNo", "BirthDate", "CompanyUUID", "Course", "Department", "EmailAddress",
    "EmployeeReferenceNumber", "EmploymentStatus", "EthnicityID", "Forename", "Gender", "JobTitle", "LineManager",
    "LineManagerEmailAddress", "LineManagerPhoneNumber", "NINumber", "NationalityID", "PlannedEndDate",
    "PrimaryAssessorUUID", "PrimaryVerifierUUID", "SourceSystemLearnerUUID", "StartDate", "Surname", "ULN",
}
UPDATE_FIELDS = (USER_FIELDS - {"BirthDate", "Forename", "Gender", "SourceSystemLearnerUUID"}) | {
    "CandidateUUID", "CourseUUID"}
MANDATORY = ("Forename", "Surname", "CompanyUUID", "PrimaryAssessorUUID", "PrimaryVerifierUUID", "StartDate",
             "PlannedEndDate", "SourceSystemLearnerUUID")
COURSE_FIELDS = {"CourseUUID", "CourseQAN", "Units"}
ADDRESS_FIELDS = {"Line1", "Line2", "Postcode", "Town"}

# Answer modes: the other plausible shapes of the answers no page publishes, so the portal can be
# run against each (``answers=`` per test, or the SANDBOX_LEARNING_ASSISTANT_ANSWERS setting for the demo).
PLAIN_NAMES = "plain_names"  # UUID for <Thing>UUID, CourseQAN for QAN, <Thing>ID for ID
NO_ROLES = "no_roles"  # trainers without IsAssessor / IsVerifier
NO_SUCCESS = "no_success"  # enrolment answers without Success
BY_REFERENCE = "by_reference"  # structs passed by href to a top-level multiRef, as the requests are
MESSAGE_STRINGS = "message_strings"  # MessageList items are plain strings
ANSWER_MODES = (PLAIN_NAMES, NO_ROLES, NO_SUCCESS, BY_REFERENCE, MESSAGE_STRINGS)
PLAIN = {"Type_framework": {"CourseUUID": "UUID", "QAN": "CourseQAN"}, "Type_unit": {"UnitUUID": "UUID"},
         "Type_company": {"CompanyUUID": "UUID"}, "Type_nationality": {"ID": "NationalityID"},
         "Type_ethnicity": {"ID": "EthnicityID"}, "Type_enrolmentResult": {"CandidateUUID": "UUID"},
         "Type_candidate": {"CandidateUUID": "UUID"}, "Type_unitProgress": {"UnitUUID": "UUID"}}


def uln_valid(uln: str) -> bool:
    """ULN: 10 digits, the first not 0, sum(digit_i * (11 - i)) mod 11 == 10 (API-NOTES)."""
    if not re.fullmatch(r"[1-9][0-9]{9}", uln):
        return False
    return sum(int(d) * (10 - i) for i, d in enumerate(uln)) % 11 == 10


class Fault(Exception):
    def __init__(self, message: str, code: str = "soapenv:Server.userException"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class SandboxUnit:
    uuid: str
    reference: str
    title: str
    mandatory: bool
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (reference, title)


@dataclass
class SandboxFramework:
    uuid: str
    qan: str
    title: str
    units: list[SandboxUnit]


@dataclass
class SandboxEnrolment:
    candidate_uuid: str
    course_uuid: str
    fields: dict[str, str]
    units: list[str]
    enrolled_at: datetime


def _u(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"learning-assistant-sandbox:{name}"))


class LearningAssistantSandbox(SandboxApp):
    name = "learning_assistant"

    def __init__(self, *, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
                 courses_path: str = COURSES_PATH, companies_path: str = COMPANIES_PATH,
                 course_duration: timedelta = timedelta(days=30), answers=()):
        super().__init__()
        unknown = set(answers) - set(ANSWER_MODES)
        if unknown:
            raise ValueError(f"Unknown answer modes {sorted(unknown)}; known: {ANSWER_MODES}")
        self.answers = frozenset(answers)
        self.username, self.password = username, password
        self.services = {
            AUTH_PATH: {"Authenticate"},
            USERS_PATH: {"GetTrainers", "GetNationalities", "GetEthnicities", "GetProgress", "GetProgressFull",
                         "GetCandidates"},
            ENROLMENT_PATH: {"GroupEnrolment"},
            UPDATE_PATH: {"UpdateEnrolment"},
            courses_path: {"GetFrameworks"},
            companies_path: {"GetCompanies"},
        }
        self.offset = timedelta()
        self.course_duration = course_duration
        self.tokens: dict[tuple[str, str], datetime] = {}
        self.frameworks: list[SandboxFramework] = []
        self.trainers: list[dict] = []
        self.companies: dict[str, str] = {}
        self.nationalities: dict[str, str] = {}
        self.ethnicities: dict[str, str] = {}
        self.enrolments: list[SandboxEnrolment] = []
        self.candidates: dict[str, str] = {}  # SourceSystemLearnerUUID -> CandidateUUID
        self.updates: list[dict[str, str]] = []  # the fields each UpdateEnrolment carried
        self.authentications = 0

    # --- state for tests and the demo ----------------------------------------------------------
    @classmethod
    def with_demo_data(cls, **kwargs) -> "LearningAssistantSandbox":
        app = cls(**kwargs)
        app.frameworks = [
            SandboxFramework(_u("fw-care"), "603/4817/3", "Adult Care Worker Level 2", [
                SandboxUnit(_u("u-care-1"), "ACW-01", "Duty of care", True,
                            [("1.1", "Explain what duty of care means"), ("1.2", "Handle complaints")]),
                SandboxUnit(_u("u-care-2"), "ACW-02", "Safeguarding", True,
                            [("2.1", "Recognise signs of abuse"), ("2.2", "Report concerns")]),
                SandboxUnit(_u("u-care-3"), "ACW-03", "Dementia awareness", False,
                            [("3.1", "Describe types of dementia")]),
            ]),
            SandboxFramework(_u("fw-business"), "600/6724/X", "Business Administrator Level 3", [
                SandboxUnit(_u("u-bus-1"), "BA-01", "Communication", True, [("1.1", "Write to customers")]),
                SandboxUnit(_u("u-bus-2"), "BA-02", "Project management", False, [("2.1", "Plan a project")]),
            ]),
        ]
        app.trainers = [
            {"UUID": _u("t-ava"), "Forename": "Ava", "Surname": "Assessor", "IsAssessor": True, "IsVerifier": False},
            {"UUID": _u("t-vic"), "Forename": "Victor", "Surname": "Verifier", "IsAssessor": False,
             "IsVerifier": True},
            {"UUID": _u("t-bea"), "Forename": "Bea", "Surname": "Both", "IsAssessor": True, "IsVerifier": True},
        ]
        app.companies = {_u("c-harbour"): "Harbour Care Ltd", _u("c-north"): "Northern Offices plc"}
        app.nationalities = {"1": "British", "2": "Irish", "3": "Polish"}
        app.ethnicities = {"31": "English / Welsh / Scottish / Northern Irish / British", "32": "Irish",
                           "98": "Any other", "99": "Not provided"}
        return app

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> None:
        """Move the sandbox's clock (token expiry and progress), e.g. ``advance(minutes=31)``."""
        self.offset += timedelta(**delta)

    def received(self, operation: str) -> list[ET.Element]:
        """The envelopes of every request for ``operation``, parsed."""
        envelopes = [SafeET.fromstring(r.body) for r in self.requests if r.body]
        return [e for e in envelopes if e.find(f".//{{{LA}}}{operation}") is not None]

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path not in self.services:
            return SandboxResponse(404, "<html><body><h1>404 Not Found</h1><p>The requested component was not found."
                                        "</p></body></html>", "text/html")
        if request.method != "POST":
            return SandboxResponse(405, "<html><body>Method not allowed</body></html>", "text/html")
        try:
            envelope = SafeET.fromstring(request.body)
            if envelope.tag != f"{{{SOAPENV}}}Envelope":
                raise Fault("Not a SOAP 1.1 envelope", "soapenv:Client")
            body = envelope.find(f"{{{SOAPENV}}}Body")
            if body is None or not len(body):
                raise Fault("No Body", "soapenv:Client")
            operation = body[0]
            if not operation.tag.startswith(f"{{{LA}}}"):
                raise Fault(f"No such operation {operation.tag}", "soapenv:Client")
            name = operation.tag.split("}")[1]
            if name not in self.services[request.path]:
                raise Fault(f"No such operation '{name}' in {request.path}", "soapenv:Client")
            if name == "Authenticate":
                return self._authenticate(operation)
            multiref = request.path in (ENROLMENT_PATH, UPDATE_PATH)
            token = self._check_token(envelope, multiref=multiref)
            result = getattr(self, f"_op_{name}")(operation, body)
            self.tokens[token] = self.now() + TOKEN_LIFETIME  # the window slides with each successful call
            return self._answer(name, result, token=token, echo_token=not multiref)
        except Fault as fault:
            return self._fault(fault)
        except (ET.ParseError, DefusedXmlException) as exc:
            return self._fault(Fault(f"Malformed or unsafe XML: {exc}", "soapenv:Client"))

    def _authenticate(self, operation: ET.Element) -> SandboxResponse:
        username = (operation.findtext(f"{{{LA}}}szUsername") or "").strip()
        password = (operation.findtext(f"{{{LA}}}szPassword") or "").strip()
        self.authentications += 1
        if (username, password) != (self.username, self.password):
            return self._answer("Authenticate", "NO", token=None, echo_token=False)
        token = (str(uuid.uuid4().int)[:8], str(uuid.uuid4()).upper())
        self.tokens[token] = self.now() + TOKEN_LIFETIME
        return self._answer("Authenticate", "YES", token=token, echo_token=True, token_ns=LA)

    def _check_token(self, envelope: ET.Element, *, multiref: bool) -> tuple[str, str]:
        header = envelope.find(f"{{{SOAPENV}}}Header")
        if multiref:  # Group Enrolment pages: tns:authToken with unqualified id/uuid
            element = header.find(f"{{{LA}}}authToken") if header is not None else None
            child_ns = ""
        else:  # Users pages: authToken in the http namespace, children in it too
            element = header.find(f"{{{LA_HTTP}}}authToken") if header is not None else None
            child_ns = f"{{{LA_HTTP}}}"
        if element is None:
            raise Fault("authToken header missing")
        token = ((element.findtext(f"{child_ns}id") or "").strip(), (element.findtext(f"{child_ns}uuid") or "").strip())
        expires = self.tokens.get(token)
        if expires is None or expires <= self.now():
            self.tokens.pop(token, None)
            raise Fault("Invalid or expired authToken")
        return token

    # --- operations ----------------------------------------------------------------------------
    def _op_GetFrameworks(self, operation, body):
        return [("Type_framework", {
            "CourseUUID": f.uuid, "QAN": f.qan, "Title": f.title,
            "Units": [("Type_unit", {"UnitUUID": u.uuid, "Reference": u.reference, "Title": u.title,
                                     "Mandatory": u.mandatory}) for u in f.units]}) for f in self.frameworks]

    def _op_GetTrainers(self, operation, body):
        hidden = {"IsAssessor", "IsVerifier"} if NO_ROLES in self.answers else set()
        return [("Type_trainer", {k: v for k, v in t.items() if k not in hidden}) for t in self.trainers]

    def _op_GetNationalities(self, operation, body):
        return [("Type_nationality", {"ID": k, "Name": v}) for k, v in self.nationalities.items()]

    def _op_GetEthnicities(self, operation, body):
        return [("Type_ethnicity", {"ID": k, "Name": v}) for k, v in self.ethnicities.items()]

    def _op_GetCompanies(self, operation, body):
        return [("Type_company", {"CompanyUUID": k, "Name": v}) for k, v in self.companies.items()]

    def _op_GetCandidates(self, operation, body):
        qan = self._args(operation, {"CourseQAN", "blnActive", "blnCompleted", "blnTest"}).get("CourseQAN", "")
        framework = next((f for f in self.frameworks if f.qan == qan), None)
        return [("Type_candidate", {
            "AnticipatedEndDate": e.fields.get("PlannedEndDate", ""), "CandidateUUID": e.candidate_uuid,
            "Forename": e.fields.get("Forename", ""), "SourceSystemLearnerUUID": e.fields["SourceSystemLearnerUUID"],
            "Surname": e.fields.get("Surname", ""), "ULN": e.fields.get("ULN", "")})
            for e in self.enrolments if framework and e.course_uuid == framework.uuid]

    def _op_GetProgress(self, operation, body, full: bool = False):
        args = self._args(operation, {"CandidateUUID", "CourseUUID"})
        enrolment = self.enrolment(args.get("CandidateUUID", ""), args.get("CourseUUID", ""))
        if enrolment is None:
            return self._messages([("CandidateUUID", "No enrolment for this candidate and course")])
        framework = self._framework(enrolment.course_uuid)
        units = [u for u in framework.units if u.uuid in enrolment.units]
        done = min(1.0, (self.now() - enrolment.enrolled_at) / self.course_duration) * len(units)
        items, total = [], 0.0
        for index, unit in enumerate(units):
            share = max(0.0, min(1.0, done - index))
            total += share
            fields_ = {"Progress": round(share * 100, 1), "Title": unit.title, "UnitUUID": unit.uuid}
            if full:
                fields_["Outcomes"] = [("Type_outcome", {
                    "Completed": share >= (k + 1) / len(unit.outcomes), "Reference": ref, "Title": title})
                    for k, (ref, title) in enumerate(unit.outcomes)]
            items.append(("Type_unitProgress", fields_))
        overall = round(total / len(units) * 100, 1) if units else 0.0
        return ("Type_progress", {"OverallProgress": overall, "Units": items})

    def _op_GetProgressFull(self, operation, body):
        return self._op_GetProgress(operation, body, full=True)

    def _op_GroupEnrolment(self, operation, body):
        self._args(operation, {"User", "blnAssignEvaluationOnEnroll", "blnSendLoginDetailsOnEnroll"})
        user = self._deref(body, operation, "User", "Type_enrolmentUser", USER_FIELDS, required=True)
        fields_ = self._fields(user, USER_FIELDS - {"Address", "Course"})
        course = self._deref(body, user, "Course", "Type_enrolmentCourse", COURSE_FIELDS)
        fields_ |= self._address(body, user)
        course_fields = self._fields(course, COURSE_FIELDS - {"Units"}) if course is not None else {}
        units_element = course.find("Units") if course is not None else None
        unit_ids = [(u.text or "").strip() for u in units_element] if units_element is not None else []
        issues = [(name, f"{name} is mandatory") for name in MANDATORY if not fields_.get(name)]
        framework = next((f for f in self.frameworks if course_fields and (
            f.uuid == course_fields.get("CourseUUID") or f.qan == course_fields.get("CourseQAN"))), None)
        if not course_fields:
            issues.append(("Course", "Course UUID or Course QAN is mandatory"))
        elif framework is None:
            issues.append(("Course", "Unknown course"))
        issues += self._reference_issues(fields_)
        if framework is not None:
            known = {u.uuid for u in framework.units}
            issues += [("Units", f"Unknown unit {u}") for u in unit_ids if u not in known]
            missing = [u.reference for u in framework.units if u.mandatory and unit_ids and u.uuid not in unit_ids]
            if missing:
                issues.append(("Units", "Mandatory units missing: " + ", ".join(missing)))
        if fields_.get("ULN") and not uln_valid(fields_["ULN"]):
            issues.append(("ULN", "ULN is not valid"))
        source = fields_.get("SourceSystemLearnerUUID", "")
        if framework is not None and any(e.course_uuid == framework.uuid and e.fields.get("SourceSystemLearnerUUID")
                                         == source for e in self.enrolments):
            issues.append(("Course", "The learner is already enrolled on this course"))
        if issues:
            return self._messages(issues)
        candidate = self.candidates.setdefault(source, str(uuid.uuid4()))
        self.enrolments.append(SandboxEnrolment(candidate, framework.uuid, fields_,
                                                unit_ids or [u.uuid for u in framework.units if u.mandatory],
                                                self.now()))
        return ("Type_enrolmentResult", {"CandidateUUID": candidate, "SourceSystemLearnerUUID": source,
                                         "Success": True, "ULN": fields_.get("ULN", "")})

    def _op_UpdateEnrolment(self, operation, body):
        self._args(operation, {"User"})
        user = self._deref(body, operation, "User", "Type_enrolmentUserUpdate", UPDATE_FIELDS, required=True)
        fields_ = self._fields(user, UPDATE_FIELDS - {"Address", "Course"}) | self._address(body, user)
        self.updates.append(dict(fields_))
        enrolment = self.enrolment(fields_.get("CandidateUUID", ""), fields_.get("CourseUUID", ""))
        if enrolment is None:
            return self._messages([("CandidateUUID", "No enrolment for this candidate and course")])
        issues = self._reference_issues(fields_)
        if fields_.get("ULN") and not uln_valid(fields_["ULN"]):
            issues.append(("ULN", "ULN is not valid"))
        if issues:
            return self._messages(issues)
        enrolment.fields.update({k: v for k, v in fields_.items() if k not in ("CandidateUUID", "CourseUUID")})
        return ("Type_enrolmentResult", {"CandidateUUID": enrolment.candidate_uuid, "Success": True,
                                         "SourceSystemLearnerUUID": enrolment.fields["SourceSystemLearnerUUID"],
                                         "ULN": enrolment.fields.get("ULN", "")})

    def _address(self, body: ET.Element, user: ET.Element) -> dict[str, str]:
        """The Address struct's lines as ``Address.<Line>`` entries."""
        address = self._deref(body, user, "Address", "Type_address", ADDRESS_FIELDS)
        if address is None:
            return {}
        return {f"Address.{k}": v for k, v in self._fields(address, ADDRESS_FIELDS).items()}

    def _reference_issues(self, fields_: dict[str, str]) -> list[tuple[str, str]]:
        trainers = {t["UUID"]: t for t in self.trainers}
        checks = [("CompanyUUID", lambda v: v in self.companies),
                  ("PrimaryAssessorUUID", lambda v: trainers.get(v, {}).get("IsAssessor")),
                  ("PrimaryVerifierUUID", lambda v: trainers.get(v, {}).get("IsVerifier")),
                  ("NationalityID", lambda v: v in self.nationalities),
                  ("EthnicityID", lambda v: v in self.ethnicities)]
        return [(name, f"Unknown {name}") for name, ok in checks if fields_.get(name) and not ok(fields_[name])]

    # --- helpers -------------------------------------------------------------------------------
    def enrolment(self, candidate_uuid: str, course_uuid: str) -> SandboxEnrolment | None:
        return next((e for e in self.enrolments if (e.candidate_uuid, e.course_uuid) == (candidate_uuid, course_uuid)),
                    None)

    def _framework(self, course_uuid: str) -> SandboxFramework:
        return next(f for f in self.frameworks if f.uuid == course_uuid)

    @staticmethod
    def _args(operation: ET.Element, allowed: set[str]) -> dict[str, str]:
        """Arguments are unqualified children; anything else is an element the pages do not name."""
        for child in operation:
            if child.tag not in allowed:
                raise Fault(f"Unknown element '{child.tag}' in {operation.tag.split('}')[1]}", "soapenv:Client")
        return {child.tag: (child.text or "").strip() for child in operation}

    def _fields(self, struct: ET.Element, allowed: set[str]) -> dict[str, str]:
        return {k: v for k, v in self._args(struct, allowed | {"Address", "Course", "Units"}).items()
                if k in allowed}

    def _deref(self, body: ET.Element, parent: ET.Element, name: str, type_name: str,
               allowed: set[str], required: bool = False) -> ET.Element | None:
        """A struct argument, which the samples pass only by multiRef ``href``."""
        reference = parent.find(name)
        if reference is None:
            if required:
                raise Fault(f"{name} is mandatory", "soapenv:Client")
            return None
        href = reference.get("href", "")
        if not href.startswith("#") or len(reference):
            raise Fault(f"{name} must be passed by reference (href)", "soapenv:Client")
        target = next((e for e in body if e.get("id") == href[1:]), None)
        if target is None:
            raise Fault(f"No multiRef element with id {href[1:]}", "soapenv:Client")
        if target.tag != f"{{{ENROLMENT_TYPES}}}{type_name}":
            raise Fault(f"{name} must be a {type_name}, not {target.tag}", "soapenv:Client")
        for child in target:
            if child.tag not in allowed:
                raise Fault(f"Unknown element '{child.tag}' in {type_name}", "soapenv:Client")
        return target

    def _messages(self, issues: list[tuple[str, str]]):
        if MESSAGE_STRINGS in self.answers:
            return ("Type_enrolmentResult", {"MessageList": [m for _f, m in issues], "Success": False})
        return ("Type_enrolmentResult", {"MessageList": [("Type_message", {"Field": f, "Message": m})
                                                         for f, m in issues], "Success": False})

    # --- answers -------------------------------------------------------------------------------
    def _answer(self, operation: str, result, *, token, echo_token: bool, token_ns: str = LA_HTTP) -> SandboxResponse:
        envelope = ET.Element(f"{{{SOAPENV}}}Envelope")
        if token is not None and echo_token:
            header = ET.SubElement(envelope, f"{{{SOAPENV}}}Header")
            element = ET.SubElement(header, f"{{{token_ns}}}authToken", {
                "loggedin": "YES", f"{{{SOAPENV}}}actor": "", f"{{{SOAPENV}}}mustUnderstand": "0"})
            for name, value in zip(("id", "uuid"), token, strict=True):
                ET.SubElement(element, f"{{{token_ns}}}{name}", {"type": "xsd:string"}).text = value
        body = ET.SubElement(envelope, f"{{{SOAPENV}}}Body")
        wrapper = ET.SubElement(body, f"{{{LA}}}{operation}Response", {f"{{{SOAPENV}}}encodingStyle": SOAPENC})
        # Prefixes used only inside xsi:type values, which ElementTree cannot see.
        envelope.set("xmlns:ns3", USER_TYPES)
        envelope.set("xmlns:xsd", XSD)
        self._refs = (body, iter(range(1, 1_000_000)))
        self._write(wrapper, f"{operation}Return", result)
        return SandboxResponse(200, ET.tostring(envelope, encoding="utf-8", xml_declaration=True),
                               "text/xml; charset=utf-8")

    def _write(self, parent: ET.Element, name: str, value) -> None:
        """Strings, booleans, numbers; (type, dict) structs inline (or by multiRef href in BY_REFERENCE);
        lists as soapenc:Array whose items are named like the array element, as GetCandidates shows."""
        if isinstance(value, list):
            item_type = value[0][0] if value and isinstance(value[0], tuple) else "Type_item"
            array = ET.SubElement(parent, name, {f"{{{XSI}}}type": "soapenc:Array",
                                                 f"{{{SOAPENC}}}arrayType": f"ns3:{item_type}[{len(value)}]"})
            for item in value:
                self._write(array, name, item)
        elif isinstance(value, tuple):
            type_name, fields_ = value
            if NO_SUCCESS in self.answers:
                fields_ = {k: v for k, v in fields_.items() if k != "Success"}
            if PLAIN_NAMES in self.answers:
                fields_ = {PLAIN.get(type_name, {}).get(k, k): v for k, v in fields_.items()}
            if BY_REFERENCE in self.answers:
                body, refs = self._refs
                ref = f"id{next(refs)}"
                ET.SubElement(parent, name, {"href": f"#{ref}"})
                struct = ET.SubElement(body, "multiRef", {"id": ref, f"{{{XSI}}}type": f"ns3:{type_name}"})
            else:
                struct = ET.SubElement(parent, name, {f"{{{XSI}}}type": f"ns3:{type_name}"})
            for key, item in sorted(fields_.items()):
                self._write(struct, key, item)
        elif isinstance(value, bool):
            ET.SubElement(parent, name, {f"{{{XSI}}}type": "xsd:boolean"}).text = "true" if value else "false"
        else:
            ET.SubElement(parent, name, {f"{{{XSI}}}type": "xsd:string"}).text = str(value)

    @staticmethod
    def _fault(fault: Fault) -> SandboxResponse:
        envelope = ET.Element(f"{{{SOAPENV}}}Envelope")
        body = ET.SubElement(envelope, f"{{{SOAPENV}}}Body")
        element = ET.SubElement(body, f"{{{SOAPENV}}}Fault")
        ET.SubElement(element, "faultcode").text = fault.code
        ET.SubElement(element, "faultstring").text = fault.message
        return SandboxResponse(500, ET.tostring(envelope, encoding="utf-8", xml_declaration=True),
                               "text/xml; charset=utf-8")


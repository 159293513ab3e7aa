"""The only code that talks to Learning Assistant (SOAP 1.1, rpc/encoded; seed 003 and the
recovered method pages in the team's reference folder).

Envelopes are built with ElementTree after the vendor's samples (struct arguments by multiRef
``href``), answers are parsed with defusedxml and ``soapenc:Array`` answers are read by
counting their items. The two-part token (id + uuid) from Authenticate lives in a Django
cache (shared by every process when the cache is), slides 30 minutes with each successful
call, is renewed shortly before it runs out, and is renewed once, transparently, when a call
says it expired. A refused user name or password is said once, never retried.
"""

import hashlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from portal.http import RemoteCall, RemoteError, build_session, read_timed_out

SYSTEM = "learning_assistant"

# --- Names: every element, type and service name Learning Assistant uses, in this one block ---
# SEEN in the recovered method pages and the workflow page (exact):
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAPENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
LA_NS = "https://api.learningassistant.com"  # operation elements (every page)
# The Users pages spell the authToken header's namespace with http, the Authenticate answer with https;
# answers are read by local name, so all three spellings are accepted.
USERS_TOKEN_NS = "http://api.learningassistant.com"
ENROLMENT_TYPES_NS = "http://enrolment.types.soap.webservices"
TOKEN, TOKEN_ID, TOKEN_UUID = "authToken", "id", "uuid"
AUTHENTICATE, USERNAME, PASSWORD = "Authenticate", "szUsername", "szPassword"
TOKEN_LIFETIME = 30 * 60  # seconds; each successful call starts the window again (workflow page)

SERVICE_AUTHENTICATE = "/webservices/soap/authenticate.cfc"
SERVICE_USERS = "/webservices/soap/user.cfc"
SERVICE_ENROLMENT = "/webservices/soap/enrolment.cfc"
SERVICE_ENROLMENT_UPDATE = "/webservices/soap/enrolment_update.cfc"

# Operations (the workflow page names them all) and the arguments the pages show.
GET_FRAMEWORKS, GET_COMPANIES = "GetFrameworks", "GetCompanies"
GET_TRAINERS, GET_NATIONALITIES, GET_ETHNICITIES = "GetTrainers", "GetNationalities", "GetEthnicities"
GET_PROGRESS, GET_PROGRESS_FULL, GET_CANDIDATES = "GetProgress", "GetProgressFull", "GetCandidates"
GROUP_ENROLMENT, UPDATE_ENROLMENT = "GroupEnrolment", "UpdateEnrolment"
USER_ARG, ASSIGN_EVALUATION_ARG, SEND_LOGIN_ARG = "User", "blnAssignEvaluationOnEnroll", "blnSendLoginDetailsOnEnroll"
CANDIDATES_ARGS = ("CourseQAN", "blnActive", "blnCompleted", "blnTest")
ENROLMENT_USER_TYPE = "Type_enrolmentUser"  # GroupEnrolment's User
ENROLMENT_UPDATE_TYPE = "Type_enrolmentUserUpdate"  # UpdateEnrolment's User
ADDRESS_REF, COURSE_REF = "Address", "Course"  # struct fields of both user types (multiRef href)
CANDIDATE_UUID, COURSE_UUID = "CandidateUUID", "CourseUUID"  # the update's identifiers
# Our field name -> element name, for the fields of Type_enrolmentUser the sample shows
# (alphabetical, complete up to LineManager) and those Type_enrolmentUserUpdate adds up to LineManagerPhoneNumber.
ELEMENT_NAMES_SEEN = {
    "awarding_body_registration": "AwardingBodyRegistrationNo", "birth_date": "BirthDate",
    "company_uuid": "CompanyUUID", "department": "Department", "email": "EmailAddress",
    "employee_reference": "EmployeeReferenceNumber", "employment_status": "EmploymentStatus",
    "ethnicity_id": "EthnicityID", "forename": "Forename", "gender": "Gender", "job_title": "JobTitle",
    "line_manager": "LineManager", "line_manager_email": "LineManagerEmailAddress",
    "line_manager_phone": "LineManagerPhoneNumber", "candidate_uuid": CANDIDATE_UUID, "course_uuid": COURSE_UUID,
}
UPDATE_FIELDS_SEEN = ("AwardingBodyRegistrationNo", "CandidateUUID", "CompanyUUID", "CourseUUID", "Department",
                      "EmailAddress", "EmployeeReferenceNumber", "EmploymentStatus", "EthnicityID", "JobTitle",
                      "LineManager", "LineManagerEmailAddress", "LineManagerPhoneNumber")

# ASSUMPTIONS (not in any recovered page; change here, nowhere else):
# Service paths of Courses and Companies are not published: settings with these defaults. Both send
# the header as the Users pages do (http namespace).
DEFAULT_SERVICE_COURSES = "/webservices/soap/course.cfc"
DEFAULT_SERVICE_COMPANIES = "/webservices/soap/company.cfc"
# Fields of both user types after the recovered part, alphabetical like the rest.
ELEMENT_NAMES_ASSUMED = {
    "ni_number": "NINumber", "nationality_id": "NationalityID", "planned_end_date": "PlannedEndDate",
    "primary_assessor_uuid": "PrimaryAssessorUUID", "primary_verifier_uuid": "PrimaryVerifierUUID",
    "source_learner_uuid": "SourceSystemLearnerUUID", "start_date": "StartDate", "surname": "Surname",
    "uln": "ULN",
}
UPDATE_FIELDS_ASSUMED = ("NINumber", "NationalityID", "PlannedEndDate", "PrimaryAssessorUUID",
                         "PrimaryVerifierUUID", "StartDate", "Surname", "ULN")
# The Address struct (href #id2) and Course struct (href #id3): types and fields (ours -> theirs).
ADDRESS_TYPE = "Type_address"
ADDRESS_NAMES = {"address_line1": "Line1", "address_line2": "Line2", "postcode": "Postcode", "town": "Town"}
COURSE_TYPE, COURSE_QAN, COURSE_UNITS, UNIT_ITEM = "Type_enrolmentCourse", "CourseQAN", "Units", "UnitUUID"
COURSE_STRUCT_UUID = COURSE_UUID  # spelled as in the update type
# Every call is POSTed with an empty SOAPAction (ColdFusion dispatches on the body).
SOAP_ACTION = '""'
# Dates travel as strings (BirthDate is xsd:string); ISO 8601 is assumed.
# Answers: a failed Authenticate says NO in AuthenticateReturn and sends no header; an expired or
# unknown token is a SOAP fault whose faultstring names the token.
AUTHENTICATE_OK = "YES"
TOKEN_FAULT_WORDS = ("authtoken", "token")
# Should a refused login come as a fault instead, these words in its faultstring say so.
AUTH_FAULT_WORDS = ("password", "username", "user name", "login", "credentials")
# GroupEnrolment/UpdateEnrolment answer a struct with these fields; MessageList items have Field and Message.
RESULT_SUCCESS, RESULT_CANDIDATE, RESULT_SOURCE, RESULT_ULN = "Success", "CandidateUUID", "SourceSystemLearnerUUID", "ULN"
MESSAGE_LIST, MESSAGE_FIELD, MESSAGE_TEXT = "MessageList", "Field", "Message"
# Reference lists: item fields.
FRAMEWORK_FIELDS = {"uuid": "CourseUUID", "qan": "QAN", "title": "Title", "units": "Units"}
UNIT_FIELDS = {"uuid": "UnitUUID", "reference": "Reference", "title": "Title", "mandatory": "Mandatory"}
TRAINER_FIELDS = {"uuid": "UUID", "forename": "Forename", "surname": "Surname", "assessor": "IsAssessor",
                  "verifier": "IsVerifier"}
CHOICE_FIELDS = {"id": "ID", "name": "Name"}  # nationalities and ethnicities
COMPANY_FIELDS = {"uuid": "CompanyUUID", "name": "Name"}
# GetProgress / GetProgressFull: arguments and answer.
PROGRESS_ARGS = (CANDIDATE_UUID, COURSE_UUID)
PROGRESS_OVERALL, PROGRESS_UNITS, PROGRESS_OUTCOMES = "OverallProgress", "Units", "Outcomes"
UNIT_PROGRESS_FIELDS = {"uuid": "UnitUUID", "title": "Title", "progress": "Progress"}
OUTCOME_FIELDS = {"reference": "Reference", "title": "Title", "completed": "Completed"}
# GetCandidates items after AnticipatedEndDate (the one field the page shows).
CANDIDATE_FIELDS = {"uuid": "CandidateUUID", "source_learner_uuid": "SourceSystemLearnerUUID", "uln": "ULN",
                    "forename": "Forename", "surname": "Surname", "anticipated_end": "AnticipatedEndDate"}
# Renew the token when less than this is left of its window.
TOKEN_RENEW_MARGIN = 120
# ----------------------------------------------------------------------------------------------

# The samples' prefixes; xsi:type values refer to xsd and q1, so those must be declared as written.
for _prefix, _uri in (("soapenv", SOAPENV), ("soapenc", SOAPENC), ("xsi", XSI), ("xsd", XSD), ("tns", LA_NS),
                      ("q1", ENROLMENT_TYPES_NS), ("la", USERS_TOKEN_NS)):
    ET.register_namespace(_prefix, _uri)


class LearningAssistantError(RemoteError):
    """Learning Assistant did not do what was asked; ``message`` is fit to show a coordinator."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message, system=SYSTEM, status=status, retryable=retryable)


class LearningAssistantAuthError(LearningAssistantError):
    """The user name or password was refused: never retried."""


class _TokenExpired(Exception):
    pass


@dataclass(frozen=True)
class Issue:
    """One MessageList entry: the field it is about (may be empty) and what is wrong."""

    field: str
    message: str


class LearningAssistantRejected(LearningAssistantError):
    """The call was read but refused, with a MessageList of issues."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = tuple(issues)
        super().__init__(_("Learning Assistant refused the request: %(issues)s")
                         % {"issues": "; ".join(f"{i.field}: {i.message}" if i.field else i.message
                                                for i in self.issues)})


# --- Typed data ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    uuid: str
    reference: str
    title: str
    mandatory: bool


@dataclass(frozen=True)
class Framework:
    uuid: str
    qan: str
    title: str
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Trainer:
    uuid: str
    forename: str
    surname: str
    assessor: bool
    verifier: bool


@dataclass(frozen=True)
class Choice:
    """A nationality or an ethnicity."""

    id: str
    name: str


@dataclass(frozen=True)
class Company:
    uuid: str
    name: str


@dataclass(frozen=True)
class EnrolmentRequest:
    """GroupEnrolment's User, in our names; empty values are left out of the envelope."""

    forename: str
    surname: str
    company_uuid: str
    course_uuid: str
    primary_assessor_uuid: str
    primary_verifier_uuid: str
    source_learner_uuid: str
    start_date: date
    planned_end_date: date
    uln: str = ""
    ni_number: str = ""
    birth_date: date | None = None
    gender: str = ""
    email: str = ""
    nationality_id: str = ""
    ethnicity_id: str = ""
    job_title: str = ""
    department: str = ""
    employee_reference: str = ""
    employment_status: str = ""
    awarding_body_registration: str = ""
    line_manager: str = ""
    line_manager_email: str = ""
    line_manager_phone: str = ""
    course_qan: str = ""
    unit_uuids: tuple[str, ...] = ()
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    send_login_details: bool = False
    assign_evaluation: bool = False


ELEMENT_NAMES = ELEMENT_NAMES_SEEN | ELEMENT_NAMES_ASSUMED
UPDATE_ELEMENTS = frozenset(UPDATE_FIELDS_SEEN + UPDATE_FIELDS_ASSUMED)
# Fields GroupEnrolment takes and UpdateEnrolment does not: read-only once enrolled.
NOT_UPDATABLE = tuple(name for name, element in ELEMENT_NAMES.items()
                      if element not in UPDATE_ELEMENTS and name not in ("source_learner_uuid",))


@dataclass(frozen=True)
class EnrolmentResult:
    candidate_uuid: str
    source_learner_uuid: str
    uln: str


@dataclass(frozen=True)
class UnitProgress:
    uuid: str
    title: str
    progress: float  # percent
    outcomes: tuple["Outcome", ...] = ()


@dataclass(frozen=True)
class Outcome:
    reference: str
    title: str
    completed: bool


@dataclass(frozen=True)
class Progress:
    overall: float  # percent
    units: tuple[UnitProgress, ...]


@dataclass(frozen=True)
class Candidate:
    uuid: str
    source_learner_uuid: str
    uln: str
    forename: str
    surname: str
    anticipated_end: str


@dataclass
class _Token:
    id: str
    uuid: str
    expires_at: float


@dataclass(frozen=True)
class _Call:
    service: str
    operation: str
    args: Sequence[tuple[str, Any]] = ()  # (name, value): str/bool/date, or a _Struct for multiRef
    multiref: bool = False  # the Group Enrolment pages' style: header tns:authToken, encodingStyle on Body


@dataclass(frozen=True)
class _Struct:
    ns: str
    type: str
    fields: Sequence[tuple[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class _StringArray:
    item: str
    values: Sequence[str]


# --- Envelopes -----------------------------------------------------------------------------------
def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def _text(value: Any) -> tuple[str, str]:
    """(xsi:type, text) of a simple value."""
    if isinstance(value, bool):
        return "xsd:boolean", "true" if value else "false"
    if isinstance(value, date):
        return "xsd:string", value.isoformat()
    return "xsd:string", str(value)


def build_envelope(call: _Call, token: _Token | None) -> bytes:
    """A request envelope as the samples show it: Authenticate bare, the Users style with an
    ``authToken`` header in the http namespace, the Group Enrolment style with ``tns:authToken``
    and structs as top-level multiRef siblings of the operation."""
    envelope = ET.Element(_q(SOAPENV, "Envelope"))
    if token is not None:
        header = ET.SubElement(envelope, _q(SOAPENV, "Header"))
        if call.multiref:
            element = ET.SubElement(header, _q(LA_NS, TOKEN), {"id": "h_id1"})
            for name, value in ((TOKEN_ID, token.id), (TOKEN_UUID, token.uuid)):
                ET.SubElement(element, name, {_q(XSI, "type"): "xsd:string"}).text = value
        else:
            element = ET.SubElement(header, _q(USERS_TOKEN_NS, TOKEN), {
                "loggedin": "YES", _q(SOAPENV, "actor"): "", _q(SOAPENV, "mustUnderstand"): "0"})
            for name, value in ((TOKEN_ID, token.id), (TOKEN_UUID, token.uuid)):
                ET.SubElement(element, _q(USERS_TOKEN_NS, name), {"type": "xsd:string"}).text = value
    body = ET.SubElement(envelope, _q(SOAPENV, "Body"))
    if call.operation == AUTHENTICATE:
        operation = ET.SubElement(body, _q(LA_NS, AUTHENTICATE))
        for name, value in call.args:
            ET.SubElement(operation, _q(LA_NS, name)).text = value
        return _serialise(envelope)
    if call.multiref:
        body.set(_q(SOAPENV, "encodingStyle"), SOAPENC)
        operation = ET.SubElement(body, _q(LA_NS, call.operation))
    else:
        operation = ET.SubElement(body, _q(LA_NS, call.operation), {_q(SOAPENV, "encodingStyle"): SOAPENC})
    refs = iter(range(1, 100))
    for name, value in call.args:
        _add_value(body, operation, name, value, refs)
    return _serialise(envelope)


def _add_value(body: ET.Element, parent: ET.Element, name: str, value: Any, refs) -> None:
    if isinstance(value, _Struct):
        ref = f"id{next(refs)}"
        ET.SubElement(parent, name, {"href": f"#{ref}"})
        struct = ET.SubElement(body, _q(value.ns, value.type), {"id": ref, _q(XSI, "type"): f"q1:{value.type}"})
        for field_name, field_value in value.fields:
            _add_value(body, struct, field_name, field_value, refs)
    elif isinstance(value, _StringArray):
        array = ET.SubElement(parent, name, {_q(XSI, "type"): "soapenc:Array",
                                             _q(SOAPENC, "arrayType"): f"xsd:string[{len(value.values)}]"})
        for item in value.values:
            ET.SubElement(array, value.item, {_q(XSI, "type"): "xsd:string"}).text = item
    else:
        xsi_type, text = _text(value)
        ET.SubElement(parent, name, {_q(XSI, "type"): xsi_type}).text = text


def _serialise(envelope: ET.Element) -> bytes:
    # xsd is used inside attribute values (xsi:type="xsd:string"), which ElementTree cannot see.
    envelope.set("xmlns:xsd", XSD)
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


# --- Answers -------------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _value(element: ET.Element, name: str, default: str = "") -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else default


def _bool(element: ET.Element, name: str) -> bool:
    return _value(element, name).lower() in ("true", "1", "yes")


def _items(element: ET.Element | None) -> list[ET.Element]:
    """The items of a soapenc:Array (counted, never the ``[n]`` of arrayType)."""
    return list(element) if element is not None else []


def _record(element: ET.Element, names: Mapping[str, str]) -> dict[str, str]:
    return {ours: _value(element, theirs) for ours, theirs in names.items()}


def parse_envelope(content: bytes) -> tuple[ET.Element | None, ET.Element]:
    """(the header's authToken or None, the Body's first element). Raises ValueError on a malformed
    answer and :class:`LearningAssistantError` on a SOAP fault (``_TokenExpired`` for the token)."""
    try:
        root = SafeET.fromstring(content)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag != _q(SOAPENV, "Envelope"):
        raise ValueError("not a SOAP 1.1 envelope")
    header = root.find(_q(SOAPENV, "Header"))
    token = None
    if header is not None:
        token = next((h for h in header if _local(h.tag) == TOKEN), None)
    body = root.find(_q(SOAPENV, "Body"))
    if body is None or not len(body):
        raise ValueError("the envelope has no Body")
    answer = body[0]
    if answer.tag == _q(SOAPENV, "Fault"):
        message = _value(answer, "faultstring") or _value(answer, "faultcode")
        if any(word in message.lower() for word in TOKEN_FAULT_WORDS):
            raise _TokenExpired(message)
        raise LearningAssistantError(_("Learning Assistant reported an error: %(message)s") % {"message": message})
    return token, answer


def _return(answer: ET.Element, operation: str) -> ET.Element:
    """``<Operation>Return`` inside ``<Operation>Response`` (Axis naming)."""
    if _local(answer.tag) != f"{operation}Response":
        raise ValueError(f"expected {operation}Response, got {_local(answer.tag)}")
    value = _child(answer, f"{operation}Return")
    if value is None:
        raise ValueError(f"{operation}Response has no {operation}Return")
    return value


def _issues(element: ET.Element | None) -> list[Issue]:
    return [Issue(_value(item, MESSAGE_FIELD), _value(item, MESSAGE_TEXT)) for item in _items(element)]


def _framework(item: ET.Element) -> Framework:
    values = _record(item, {k: v for k, v in FRAMEWORK_FIELDS.items() if k != "units"})
    units = tuple(Unit(**_record(u, {k: v for k, v in UNIT_FIELDS.items() if k != "mandatory"}),
                       mandatory=_bool(u, UNIT_FIELDS["mandatory"]))
                  for u in _items(_child(item, FRAMEWORK_FIELDS["units"])))
    return Framework(**values, units=units)


def _trainer(item: ET.Element) -> Trainer:
    names = {k: v for k, v in TRAINER_FIELDS.items() if k not in ("assessor", "verifier")}
    return Trainer(**_record(item, names), assessor=_bool(item, TRAINER_FIELDS["assessor"]),
                   verifier=_bool(item, TRAINER_FIELDS["verifier"]))


def _progress(value: ET.Element, full: bool) -> Progress:
    issues = _issues(_child(value, MESSAGE_LIST))
    if issues:
        raise LearningAssistantRejected(issues)
    units = []
    for item in _items(_child(value, PROGRESS_UNITS)):
        record = _record(item, {k: v for k, v in UNIT_PROGRESS_FIELDS.items() if k != "progress"})
        outcomes = tuple(Outcome(**_record(o, {k: v for k, v in OUTCOME_FIELDS.items() if k != "completed"}),
                                 completed=_bool(o, OUTCOME_FIELDS["completed"]))
                         for o in _items(_child(item, PROGRESS_OUTCOMES))) if full else ()
        units.append(UnitProgress(**record, progress=float(_value(item, UNIT_PROGRESS_FIELDS["progress"]) or 0),
                                  outcomes=outcomes))
    return Progress(overall=float(_value(value, PROGRESS_OVERALL) or 0), units=tuple(units))


def token_cache_key(base_url: str, username: str) -> str:
    digest = hashlib.sha256(f"{base_url}\n{username}".encode()).hexdigest()[:24]
    return f"learning_assistant:token:{digest}"


# --- The client ----------------------------------------------------------------------------------
def learning_assistant_session(password: str, *, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                               on_call: Callable[[RemoteCall], None] | None = None, **retry: Any):
    """Every call is a POST, so the session never retries at the HTTP layer."""
    return build_session(system=SYSTEM, label="Learning Assistant", error=LearningAssistantError,
                         connect_timeout=connect_timeout, read_timeout=read_timeout, secrets=[password],
                         headers={"Content-Type": "text/xml; charset=utf-8"}, on_call=on_call, **retry)


class LearningAssistantClient:
    """Learning Assistant's calls. ``cache`` is a Django cache; give every process the same one
    (``CACHE_URL``) and they share one token. ``clock`` returns seconds (tests move it)."""

    def __init__(self, base_url: str, username: str, password: str, *, cache, courses_path: str = "",
                 companies_path: str = "", connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 on_call: Callable[[RemoteCall], None] | None = None, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time):
        self.base_url = base_url.rstrip("/")
        self.username, self.password = username, password
        self.cache = cache
        self.cache_key = token_cache_key(self.base_url, username)
        self.courses_path = courses_path or DEFAULT_SERVICE_COURSES
        self.companies_path = companies_path or DEFAULT_SERVICE_COMPANIES
        self.clock = clock
        self.session = session or learning_assistant_session(
            password, connect_timeout=connect_timeout, read_timeout=read_timeout, on_call=on_call)

    # --- token ---------------------------------------------------------------------------------
    def authenticate(self) -> None:
        """Ask for a new token and keep it in the cache."""
        self.cache.delete(self.cache_key)
        self._token(renew=True)

    def _token(self, *, renew: bool = False) -> _Token:
        cached = None if renew else self.cache.get(self.cache_key)
        now = self.clock()
        if cached and cached["expires_at"] - now > TOKEN_RENEW_MARGIN:
            return _Token(**cached)
        call = _Call(SERVICE_AUTHENTICATE, AUTHENTICATE, ((USERNAME, self.username), (PASSWORD, self.password)))
        refused = LearningAssistantAuthError(_("Learning Assistant refused the user name or password."))
        try:
            header, answer = self._post(call, None)
            accepted = (_return(answer, AUTHENTICATE).text or "").strip().upper() == AUTHENTICATE_OK
        except (LearningAssistantError, _TokenExpired) as exc:
            if any(word in str(exc).lower() for word in AUTH_FAULT_WORDS):
                raise refused from None
            if isinstance(exc, _TokenExpired):  # a fault naming a token, on the one call that sends none
                raise LearningAssistantError(_("Learning Assistant reported an error: %(message)s")
                                             % {"message": exc}) from None
            raise
        except ValueError as exc:
            raise LearningAssistantError(_("Learning Assistant sent an answer of an unexpected shape "
                                           "(Authenticate): %(error)s") % {"error": exc}) from None
        if not accepted or header is None or not _value(header, TOKEN_ID) or not _value(header, TOKEN_UUID):
            raise refused
        token = _Token(_value(header, TOKEN_ID), _value(header, TOKEN_UUID), now + TOKEN_LIFETIME)
        self._keep(token)
        return token

    def _keep(self, token: _Token) -> None:
        self.cache.set(self.cache_key, {"id": token.id, "uuid": token.uuid, "expires_at": token.expires_at},
                       timeout=max(1, int(token.expires_at - self.clock())))

    def _call(self, call: _Call) -> ET.Element:
        """Send with the token; one transparent renewal when the answer says the token expired."""
        for attempt in (1, 2):
            token = self._token(renew=attempt == 2)
            try:
                _header, answer = self._post(call, token)
            except _TokenExpired:
                if attempt == 2:
                    raise LearningAssistantError(
                        _("Learning Assistant refused a token it had just issued (%(call)s).")
                        % {"call": call.operation}) from None
                continue
            token.expires_at = self.clock() + TOKEN_LIFETIME  # the window slides with each successful call
            self._keep(token)
            return answer
        raise AssertionError("unreachable")

    def _post(self, call: _Call, token: _Token | None) -> tuple[ET.Element | None, ET.Element]:
        envelope = build_envelope(call, token)
        try:
            response = self.session.post(self.base_url + call.service, data=envelope,
                                         headers={"SOAPAction": SOAP_ACTION})
        except requests.RequestException as exc:
            message = (_("Learning Assistant did not answer in time (%(call)s).")
                       if isinstance(exc, requests.Timeout) or read_timed_out(exc)
                       else _("Learning Assistant could not be reached (%(call)s)."))
            raise LearningAssistantError(message % {"call": call.operation}, retryable=True) from exc
        is_xml = "xml" in response.headers.get("Content-Type", "")
        if not is_xml:
            raise LearningAssistantError(
                _("Learning Assistant answered %(call)s with a web page instead of SOAP (HTTP %(status)s).")
                % {"call": call.operation, "status": response.status_code},
                status=response.status_code, retryable=response.status_code >= 500 or response.status_code == 429)
        try:
            return parse_envelope(response.content)
        except ValueError as exc:
            raise LearningAssistantError(_("Learning Assistant sent an answer that could not be read (%(call)s): "
                                           "%(error)s") % {"call": call.operation, "error": exc},
                                         status=response.status_code) from None

    def _read(self, call: _Call, parse: Callable[[ET.Element], Any]) -> Any:
        answer = self._call(call)
        try:
            return parse(_return(answer, call.operation))
        except (ValueError, TypeError, KeyError) as exc:
            raise LearningAssistantError(_("Learning Assistant sent an answer of an unexpected shape (%(call)s): "
                                           "%(error)s") % {"call": call.operation, "error": exc}) from None

    def _list(self, service: str, operation: str, item: Callable[[ET.Element], Any],
              args: Sequence[tuple[str, Any]] = ()) -> list:
        return self._read(_Call(service, operation, args), lambda value: [item(i) for i in _items(value)])

    # --- reference data ------------------------------------------------------------------------
    def check(self) -> None:
        """Authenticate afresh: the connection test."""
        self.authenticate()

    def get_frameworks(self) -> list[Framework]:
        return self._list(self.courses_path, GET_FRAMEWORKS, _framework)

    def get_trainers(self) -> list[Trainer]:
        return self._list(SERVICE_USERS, GET_TRAINERS, _trainer)

    def get_nationalities(self) -> list[Choice]:
        return self._list(SERVICE_USERS, GET_NATIONALITIES, lambda i: Choice(**_record(i, CHOICE_FIELDS)))

    def get_ethnicities(self) -> list[Choice]:
        return self._list(SERVICE_USERS, GET_ETHNICITIES, lambda i: Choice(**_record(i, CHOICE_FIELDS)))

    def get_companies(self) -> list[Company]:
        return self._list(self.companies_path, GET_COMPANIES, lambda i: Company(**_record(i, COMPANY_FIELDS)))

    def get_candidates(self, *, course_qan: str, active: bool = True, completed: bool = False,
                       test: bool = False) -> list[Candidate]:
        args = tuple(zip(CANDIDATES_ARGS, (course_qan, active, completed, test), strict=True))
        return self._list(SERVICE_USERS, GET_CANDIDATES, lambda i: Candidate(**_record(i, CANDIDATE_FIELDS)), args)

    # --- enrolments ----------------------------------------------------------------------------
    def group_enrolment(self, request: EnrolmentRequest) -> EnrolmentResult:
        """Enrol; a MessageList answer raises :class:`LearningAssistantRejected` with the issues."""
        values = {name: getattr(request, name) for name in ELEMENT_NAMES if hasattr(request, name)}
        values.pop("course_uuid")
        fields_ = [(ELEMENT_NAMES[n], v) for n, v in values.items() if v not in ("", None)]
        course = _Struct(ENROLMENT_TYPES_NS, COURSE_TYPE, [
            (k, v) for k, v in ((COURSE_STRUCT_UUID, request.course_uuid), (COURSE_QAN, request.course_qan)) if v
        ] + ([(COURSE_UNITS, _StringArray(UNIT_ITEM, request.unit_uuids))] if request.unit_uuids else []))
        fields_.append((COURSE_REF, course))
        address = {name: getattr(request, name) for name in ADDRESS_NAMES}
        if any(address.values()):
            fields_.append((ADDRESS_REF, self._address(address)))
        user = _Struct(ENROLMENT_TYPES_NS, ENROLMENT_USER_TYPE, sorted(fields_, key=lambda f: f[0].lower()))
        call = _Call(SERVICE_ENROLMENT, GROUP_ENROLMENT, (
            (USER_ARG, user), (ASSIGN_EVALUATION_ARG, request.assign_evaluation),
            (SEND_LOGIN_ARG, request.send_login_details)), multiref=True)
        return self._read(call, self._enrolment_result)

    def update_enrolment(self, *, candidate_uuid: str, course_uuid: str, changes: Mapping[str, Any]) -> None:
        """Send only ``changes`` (our field names; address lines inside the Address struct) plus the
        two identifiers."""
        unknown = [n for n in changes if ELEMENT_NAMES.get(n) not in UPDATE_ELEMENTS and n not in ADDRESS_NAMES]
        if unknown:
            raise ValueError(f"UpdateEnrolment cannot change {unknown}")
        fields_ = [(ELEMENT_NAMES[n], "" if v is None else v) for n, v in changes.items() if n not in ADDRESS_NAMES]
        fields_ += [(CANDIDATE_UUID, candidate_uuid), (COURSE_UUID, course_uuid)]
        address = {n: "" if v is None else v for n, v in changes.items() if n in ADDRESS_NAMES}
        if address:
            fields_.append((ADDRESS_REF, self._address(address, keep_empty=True)))
        user = _Struct(ENROLMENT_TYPES_NS, ENROLMENT_UPDATE_TYPE, sorted(fields_, key=lambda f: f[0].lower()))
        self._read(_Call(SERVICE_ENROLMENT_UPDATE, UPDATE_ENROLMENT, ((USER_ARG, user),), multiref=True),
                   self._enrolment_result)

    @staticmethod
    def _address(address: Mapping[str, str], *, keep_empty: bool = False) -> _Struct:
        """An update sends a line emptied on purpose; an enrolment leaves empty lines out."""
        return _Struct(ENROLMENT_TYPES_NS, ADDRESS_TYPE, [(ADDRESS_NAMES[name], value) for name, value in address.items()
                                                          if value or keep_empty])

    @staticmethod
    def _enrolment_result(value: ET.Element) -> EnrolmentResult:
        issues = _issues(_child(value, MESSAGE_LIST))
        if issues or not _bool(value, RESULT_SUCCESS):
            raise LearningAssistantRejected(issues or [Issue("", _("no reason given"))])
        return EnrolmentResult(_value(value, RESULT_CANDIDATE), _value(value, RESULT_SOURCE), _value(value, RESULT_ULN))

    # --- progress ------------------------------------------------------------------------------
    def get_progress(self, *, candidate_uuid: str, course_uuid: str) -> Progress:
        """Unit level."""
        call = _Call(SERVICE_USERS, GET_PROGRESS, tuple(zip(PROGRESS_ARGS, (candidate_uuid, course_uuid), strict=True)))
        return self._read(call, lambda value: _progress(value, full=False))

    def get_progress_full(self, *, candidate_uuid: str, course_uuid: str) -> Progress:
        """Down to outcome level."""
        call = _Call(SERVICE_USERS, GET_PROGRESS_FULL,
                     tuple(zip(PROGRESS_ARGS, (candidate_uuid, course_uuid), strict=True)))
        return self._read(call, lambda value: _progress(value, full=True))

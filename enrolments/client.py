"""The only code that talks to Learning Assistant (SOAP 1.1, rpc/encoded; seed 003 and the
recovered method pages in the team's reference folder).

Envelopes are built with ElementTree after the vendor's samples (struct arguments by multiRef
``href``), answers are parsed with defusedxml and ``soapenc:Array`` answers are read by
counting their items. Most answer shapes are not published: each field is read under every name
in ASSUMPTIONS, values passed by reference are resolved, an item without its key or name is left
out, and what cannot be read is said (never stored as empty); :meth:`LearningAssistantClient.check_answers`
shows how each answer of a real service was read. The two-part token (id + uuid) from Authenticate lives in a Django
cache (shared by every process when the cache is), slides 30 minutes with each successful
call, is renewed shortly before it runs out, and is renewed once, transparently, when a call
says it expired. A refused user name or password is said once, never retried.
"""

import hashlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
# ANSWERS. Only Authenticate's answer and GetCandidates' first field are published; every other answer
# shape below is a guess. Each field is read by local name, case-insensitively, under every name in its
# tuple: our guess first, then the spellings the published pages use for the same thing elsewhere (a UUID
# as <Thing>UUID or UUID, a QAN as CourseQAN or QAN, an ID as <Thing>ID or ID), then a few plain ones
# (Name for a title, Is... for a flag), guesses too. Pinned, in every sandbox answer mode, by
# tests/enrolments/test_answer_shapes.py (and test_fields_are_read_by_local_name_case_insensitively_under_every_alias).
FRAMEWORK_FIELDS = {"uuid": ("CourseUUID", "UUID"), "qan": ("QAN", "CourseQAN"), "title": ("Title", "Name"),
                    "units": ("Units",)}
UNIT_FIELDS = {"uuid": ("UnitUUID", "UUID"), "reference": ("Reference",), "title": ("Title", "Name"),
               "mandatory": ("Mandatory", "IsMandatory")}
TRAINER_FIELDS = {"uuid": ("UUID", "TrainerUUID", "UserUUID"), "forename": ("Forename",), "surname": ("Surname",),
                  "assessor": ("IsAssessor", "Assessor"), "verifier": ("IsVerifier", "Verifier")}
NATIONALITY_FIELDS = {"id": ("ID", "NationalityID"), "name": ("Name", "Nationality")}
ETHNICITY_FIELDS = {"id": ("ID", "EthnicityID"), "name": ("Name", "Ethnicity")}
COMPANY_FIELDS = {"uuid": ("CompanyUUID", "UUID"), "name": ("Name", "CompanyName")}
# A reference item is stored only with its key and its name (trainers: forename or surname).
# (test_an_item_without_key_or_name_is_not_stored, test_unreadable_items_fail_that_list_only)
# A trainer whose answer has neither role flag is offered for both roles, with a note
# (test_trainers_without_role_flags_are_offered_for_both_roles).
# GetProgress / GetProgressFull: arguments and answer.
PROGRESS_ARGS = (CANDIDATE_UUID, COURSE_UUID)
PROGRESS_OVERALL, PROGRESS_UNITS, PROGRESS_OUTCOMES = ("OverallProgress", "Progress"), ("Units",), ("Outcomes",)
UNIT_PROGRESS_FIELDS = {"uuid": ("UnitUUID", "UUID"), "title": ("Title", "Name"), "progress": ("Progress",)}
OUTCOME_FIELDS = {"reference": ("Reference",), "title": ("Title", "Name"), "completed": ("Completed", "IsCompleted")}
# GetCandidates items after AnticipatedEndDate (the one field the page shows).
CANDIDATE_FIELDS = {"uuid": ("CandidateUUID", "UUID"), "source_learner_uuid": ("SourceSystemLearnerUUID",),
                    "uln": ("ULN",), "forename": ("Forename",), "surname": ("Surname",),
                    "anticipated_end": ("AnticipatedEndDate",)}
# GroupEnrolment/UpdateEnrolment answer a struct. The workflow page: success "will indicate so and provide
# you with the Candidate UUID, the Source System Learner UUID and the student ULN"; failure "will contain a
# MessageList item with an array of issues". So (test_enrolment_outcomes_in_every_answer_mode):
# - a Candidate UUID is a success with or without Success; an update without MessageList issues is a success;
# - MessageList issues are a refusal, as is Success false (no reason given);
# - anything else is unknown: the enrol form looks the candidate up with GetCandidates
#   (test_an_unreadable_enrolment_answer_is_linked_through_get_candidates).
# MessageList items have Field and Message, or are plain strings (test_message_list_strings_are_shown).
# Answers may pass values by reference (href="#id" to a top-level multiRef) as requests do
# (test_enrolment_outcomes_in_every_answer_mode[by_reference]), nested at most MAX_REFERENCE_DEPTH deep and
# copying at most MAX_REFERENCED elements (test_a_reference_bomb_is_refused_not_expanded).
RESULT_SUCCESS, RESULT_CANDIDATE = ("Success",), ("CandidateUUID", "UUID")
RESULT_SOURCE, RESULT_ULN = ("SourceSystemLearnerUUID",), ("ULN",)
MESSAGE_LIST, MESSAGE_FIELD, MESSAGE_TEXT = ("MessageList",), ("Field",), ("Message", "Text", "Description")
MAX_REFERENCED, MAX_REFERENCE_DEPTH = 100_000, 20
# Gender: the values GroupEnrolment is assumed to take; the form and the bulk enrol send only these
# (test_bulk_enrol_sends_only_known_genders). A learner's own text is mapped through GENDER_WORDS.
GENDERS = ("Male", "Female", "Other")
GENDER_WORDS = {"m": "Male", "male": "Male", "man": "Male", "f": "Female", "female": "Female", "v": "Female",
                "vrouw": "Female", "woman": "Female", "x": "Other", "other": "Other", "anders": "Other"}
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


class LearningAssistantUnreadable(LearningAssistantError):
    """A list answer whose items could not be read: names the operation and what its first item holds."""

    def __init__(self, operation: str, elements: Sequence[str], missing: Sequence[Sequence[str]]):
        self.operation, self.elements = operation, tuple(elements)
        super().__init__(_("%(operation)s: items have %(found)s; expected %(expected)s") % {
            "operation": operation, "found": ", ".join(self.elements) or _("no elements"),
            "expected": ", ".join(" or ".join(names) for names in missing)})


class LearningAssistantUnknownOutcome(LearningAssistantError):
    """An enrolment answer that says neither success nor refusal: Learning Assistant may have acted."""

    def __init__(self, operation: str):
        super().__init__(_("Learning Assistant's answer to %(operation)s was neither a success nor a refusal "
                           "(unknown): check in Learning Assistant.") % {"operation": operation})


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
    roles_known: bool = True  # False: the answer had no role flags, so both are offered


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


@dataclass(frozen=True)
class AnswerCheck:
    """What one read-only operation answered, values redacted (fit to paste into a bug report): whether it
    was called and read, how many items came and were kept, the first item's element names and what the
    portal made of it (each field: read or missing; flags as they were read; lists as counts)."""

    operation: str
    called: bool
    read: bool
    count: int = 0
    kept: int = 0
    elements: tuple[str, ...] = ()
    read_as: tuple[tuple[str, str], ...] = ()
    message: str = ""


def _redacted(value: Any) -> tuple[tuple[str, str], ...]:
    """Our reading of an item with every value hidden: only whether each field was found."""
    shown = []
    for name, field_value in vars(value).items():
        if isinstance(field_value, bool):
            text = "true" if field_value else "false"
        elif isinstance(field_value, tuple):
            text = ngettext("%(count)s item", "%(count)s items", len(field_value)) % {"count": len(field_value)}
        elif isinstance(field_value, float):
            text = _("read")
        else:
            text = _("read") if field_value else _("missing")
        shown.append((name, text))
    return tuple(shown)


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
Names = str | Sequence[str]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(element: ET.Element, names: Names) -> ET.Element | None:
    """The first child named by ``names`` (in their order), by local name and case-insensitively."""
    wanted = [names.lower()] if isinstance(names, str) else [name.lower() for name in names]
    children: dict[str, ET.Element] = {}
    for child in element:
        children.setdefault(_local(child.tag).lower(), child)
    return next((children[name] for name in wanted if name in children), None)


_child = _find


def _value(element: ET.Element, names: Names, default: str = "") -> str:
    child = _find(element, names)
    return (child.text or "").strip() if child is not None else default


def _flag(element: ET.Element, names: Names) -> bool | None:
    """True or False, or None when the answer has no such element."""
    child = _find(element, names)
    return None if child is None else (child.text or "").strip().lower() in ("true", "1", "yes")


def _bool(element: ET.Element, names: Names) -> bool:
    return bool(_flag(element, names))


def _items(element: ET.Element | None) -> list[ET.Element]:
    """The items of a soapenc:Array (counted, never the ``[n]`` of arrayType)."""
    return list(element) if element is not None else []


def _record(element: ET.Element, names: Mapping[str, Names]) -> dict[str, str]:
    return {ours: _value(element, theirs) for ours, theirs in names.items()}


def element_names(element: ET.Element, limit: int = 20) -> tuple[str, ...]:
    """The local names of an item's elements, in order, each once (what the answer check shows)."""
    names = list(dict.fromkeys(_local(child.tag)[:60] for child in element))
    return tuple(names[:limit]) + (("…",) if len(names) > limit else ())


class _Missing(Exception):
    """An item without its key or its name; ``args[0]`` lists the names each missing field was looked for under."""


def _require(values: Mapping[str, Any], fields: Mapping[str, Names], *groups: Sequence[str]) -> None:
    """Each group of our field names needs one non-empty value."""
    missing = [tuple(name for key in group for name in fields[key]) for group in groups
               if not any(values.get(key) for key in group)]
    if missing:
        raise _Missing(missing)


class ItemList(list):
    """The readable items of a list answer; ``skipped`` counts items without key or name and ``elements``
    names the first item's elements (both for the answer check and the sync's report)."""

    skipped = 0
    elements: tuple[str, ...] = ()


def _read_items(operation: str, value: ET.Element, item: Callable[[ET.Element], Any]) -> ItemList:
    """Every item ``item`` can read. Items without key or name are left out; when items came and none
    could be read, the list fails naming what its first item holds."""
    found = _items(value)
    read = ItemList()
    read.elements = element_names(found[0]) if found else ()
    missing = None
    for element in found:
        try:
            read.append(item(element))
        except _Missing as exc:
            read.skipped += 1
            missing = missing or exc.args[0]
    if found and not read:
        raise LearningAssistantUnreadable(operation, read.elements, missing)
    return read


def _resolve_references(body: ET.Element) -> None:
    """Values passed by reference (``href="#id"`` to a top-level element with that ``id``, as the
    requests do) are copied in place, so answers read the same either way. Bounded: references nest at
    most MAX_REFERENCE_DEPTH deep and at most MAX_REFERENCED elements are copied (a cycle or a bomb is
    an unreadable answer)."""
    def references(element: ET.Element, depth: int) -> list[tuple[ET.Element, int]]:
        return [(e, depth) for e in element.iter() if str(e.get("href", "")).startswith("#")]

    targets = {element.get("id"): element for element in body if element.get("id")}
    pending = references(body, 0)
    copied = 0
    while pending:
        element, depth = pending.pop()
        target = targets.get(element.attrib.pop("href")[1:])
        if target is None:
            raise ValueError("a reference (href) to no multiRef element")
        if depth >= MAX_REFERENCE_DEPTH:
            raise ValueError("references nested too deeply")
        element.text = target.text
        for child in target:
            try:
                copy = deepcopy(child)
            except RecursionError:
                raise ValueError("elements nested too deeply") from None
            copied += sum(1 for _e in copy.iter())
            if copied > MAX_REFERENCED:
                raise ValueError("too many referenced values")
            element.append(copy)
            pending += references(copy, depth + 1)


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
    _resolve_references(body)
    return token, answer


def _return(answer: ET.Element, operation: str) -> ET.Element:
    """``<Operation>Return`` inside ``<Operation>Response`` (Axis naming)."""
    if _local(answer.tag) != f"{operation}Response":
        raise ValueError(f"expected {operation}Response, got {_local(answer.tag)[:60]}")
    value = _child(answer, f"{operation}Return")
    if value is None:
        raise ValueError(f"{operation}Response has no {operation}Return")
    return value


def _issues(element: ET.Element | None) -> list[Issue]:
    """MessageList items with Field and Message, or plain strings; a MessageList that is one string is one issue."""
    if element is None:
        return []
    if not len(element):
        text = (element.text or "").strip()
        return [Issue("", text)] if text else []
    issues = []
    for item in element:
        if not len(item):
            text = (item.text or "").strip()
        else:
            text = _value(item, MESSAGE_TEXT) or " ".join(t.strip() for t in item.itertext() if t.strip())
        if text:
            issues.append(Issue(_value(item, MESSAGE_FIELD) if len(item) else "", text))
    return issues


def _framework(item: ET.Element) -> Framework:
    values = _record(item, {k: v for k, v in FRAMEWORK_FIELDS.items() if k != "units"})
    _require(values, FRAMEWORK_FIELDS, ("uuid",), ("title",))
    units = []
    for element in _items(_child(item, FRAMEWORK_FIELDS["units"])):
        unit = _record(element, {k: v for k, v in UNIT_FIELDS.items() if k != "mandatory"})
        if unit["uuid"]:  # a unit without its UUID cannot be sent
            units.append(Unit(**unit, mandatory=_bool(element, UNIT_FIELDS["mandatory"])))
    return Framework(**values, units=tuple(units))


def _trainer(item: ET.Element) -> Trainer:
    values = _record(item, {k: v for k, v in TRAINER_FIELDS.items() if k not in ("assessor", "verifier")})
    _require(values, TRAINER_FIELDS, ("uuid",), ("forename", "surname"))
    assessor, verifier = _flag(item, TRAINER_FIELDS["assessor"]), _flag(item, TRAINER_FIELDS["verifier"])
    if assessor is None and verifier is None:
        return Trainer(**values, assessor=True, verifier=True, roles_known=False)
    return Trainer(**values, assessor=bool(assessor), verifier=bool(verifier))


def _choice(fields: Mapping[str, Names]) -> Callable[[ET.Element], Choice]:
    def read(item: ET.Element) -> Choice:
        values = _record(item, fields)
        _require(values, fields, ("id",), ("name",))
        return Choice(**values)
    return read


def _company(item: ET.Element) -> Company:
    values = _record(item, COMPANY_FIELDS)
    _require(values, COMPANY_FIELDS, ("uuid",), ("name",))
    return Company(**values)


def _candidate(item: ET.Element) -> Candidate:
    return Candidate(**_record(item, CANDIDATE_FIELDS))


def _percent(element: ET.Element, names: Names) -> float:
    text = _value(element, names) or "0"
    value = float(text)
    if not 0 <= value <= 100:  # also NaN
        raise ValueError(f"a progress of {text[:20]}")
    return value


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
        units.append(UnitProgress(**record, progress=_percent(item, UNIT_PROGRESS_FIELDS["progress"]),
                                  outcomes=outcomes))
    return Progress(overall=_percent(value, PROGRESS_OVERALL), units=tuple(units))


def _enrolment_result(value: ET.Element, *, update: bool) -> EnrolmentResult:
    """Success, refusal or unknown, as the workflow page words them (see ANSWERS above)."""
    issues = _issues(_child(value, MESSAGE_LIST))
    if issues:
        raise LearningAssistantRejected(issues)
    if _flag(value, RESULT_SUCCESS) is False:
        raise LearningAssistantRejected([Issue("", _("no reason given"))])
    result = EnrolmentResult(_value(value, RESULT_CANDIDATE), _value(value, RESULT_SOURCE), _value(value, RESULT_ULN))
    if not (result.candidate_uuid or update):
        raise ValueError("neither a Candidate UUID nor a MessageList")
    return result


def _parse_return(answer: ET.Element, operation: str, parse: Callable[[ET.Element], Any], *,
                  unknown: bool = False) -> Any:
    """``parse`` applied to the answer's Return; what it cannot read is the client's error (``unknown``:
    an enrolment's outcome that may have happened)."""
    try:
        return parse(_return(answer, operation))
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        if unknown:
            raise LearningAssistantUnknownOutcome(operation) from None
        raise LearningAssistantError(_("Learning Assistant sent an answer of an unexpected shape (%(call)s): "
                                       "%(error)s") % {"call": operation, "error": exc}) from None


def answer_parser(operation: str) -> Callable[[ET.Element], Any]:
    """How the Return of each operation is read (also used by the answer check and the property tests)."""
    lists = {GET_FRAMEWORKS: _framework, GET_TRAINERS: _trainer, GET_COMPANIES: _company,
             GET_NATIONALITIES: _choice(NATIONALITY_FIELDS), GET_ETHNICITIES: _choice(ETHNICITY_FIELDS),
             GET_CANDIDATES: _candidate}
    if operation in lists:
        return lambda value: _read_items(operation, value, lists[operation])
    return {GET_PROGRESS: lambda value: _progress(value, full=False),
            GET_PROGRESS_FULL: lambda value: _progress(value, full=True),
            GROUP_ENROLMENT: lambda value: _enrolment_result(value, update=False),
            UPDATE_ENROLMENT: lambda value: _enrolment_result(value, update=True)}[operation]


def read_answer(content: bytes, operation: str) -> Any:
    """A whole answer envelope read as the client reads it; raises only :class:`LearningAssistantError`."""
    try:
        _header, answer = parse_envelope(content)
    except (ValueError, _TokenExpired) as exc:
        raise LearningAssistantError(_("Learning Assistant sent an answer that could not be read (%(call)s): "
                                       "%(error)s") % {"call": operation, "error": exc}) from None
    return _parse_return(answer, operation, answer_parser(operation),
                         unknown=operation in (GROUP_ENROLMENT, UPDATE_ENROLMENT))


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

    def _read(self, call: _Call, parse: Callable[[ET.Element], Any] | None = None) -> Any:
        unknown = call.operation in (GROUP_ENROLMENT, UPDATE_ENROLMENT)
        return _parse_return(self._call(call), call.operation, parse or answer_parser(call.operation), unknown=unknown)

    def _list(self, service: str, operation: str, args: Sequence[tuple[str, Any]] = ()) -> ItemList:
        return self._read(_Call(service, operation, args))

    # --- reference data ------------------------------------------------------------------------
    def check(self) -> None:
        """Authenticate afresh: the connection test."""
        self.authenticate()

    def check_answers(self) -> list[AnswerCheck]:
        """Call every read-only operation once and say how its answer was read (first contact with a
        real service: which guess in ASSUMPTIONS was wrong). A refused login raises."""
        check, frameworks = self._check(self.courses_path, GET_FRAMEWORKS)
        checks = [check]
        for service, operation in ((SERVICE_USERS, GET_TRAINERS), (self.companies_path, GET_COMPANIES),
                                   (SERVICE_USERS, GET_NATIONALITIES), (SERVICE_USERS, GET_ETHNICITIES)):
            checks.append(self._check(service, operation)[0])
        framework = next((f for f in frameworks or [] if f.qan), None)
        if framework is None:
            return checks + [AnswerCheck(op, called=False, read=False, message=_("not called: no framework with a QAN"))
                             for op in (GET_CANDIDATES, GET_PROGRESS, GET_PROGRESS_FULL)]
        args = tuple(zip(CANDIDATES_ARGS, (framework.qan, True, False, False), strict=True))
        check, candidates = self._check(SERVICE_USERS, GET_CANDIDATES, args)
        checks.append(check)
        candidate = next((c for c in candidates or [] if c.uuid), None)
        for operation in (GET_PROGRESS, GET_PROGRESS_FULL):
            if candidate is None:
                checks.append(AnswerCheck(operation, called=False, read=False,
                                          message=_("not called: no candidate on %(qan)s") % {"qan": framework.qan}))
                continue
            checks.append(self._check(SERVICE_USERS, operation, tuple(zip(
                PROGRESS_ARGS, (candidate.uuid, framework.uuid), strict=True)))[0])
        return checks

    def _check(self, service: str, operation: str, args: Sequence[tuple[str, Any]] = ()) -> tuple[AnswerCheck, Any]:
        """One operation of :meth:`check_answers`: how it was read, and what was read (None if nothing)."""
        try:
            value = _return(self._call(_Call(service, operation, args)), operation)
        except LearningAssistantAuthError:
            raise
        except (LearningAssistantError, ValueError) as exc:
            return AnswerCheck(operation, called=True, read=False, message=getattr(exc, "message", str(exc))), None
        is_list = operation not in (GET_PROGRESS, GET_PROGRESS_FULL)
        found = _items(value) if is_list else [value]
        elements = element_names(found[0]) if found else ()
        count = len(found) if is_list else len(_items(_child(value, PROGRESS_UNITS)))
        try:
            parsed = answer_parser(operation)(value)
        except LearningAssistantRejected as exc:
            return AnswerCheck(operation, True, True, count, 0, elements, message=_(
                "refused, issues about: %(fields)s") % {"fields": ", ".join(i.field or "-" for i in exc.issues)}), None
        except (LearningAssistantError, ValueError, TypeError, KeyError) as exc:
            message = getattr(exc, "message", str(exc))
            return AnswerCheck(operation, True, False, count, 0, elements, message=message), None
        first = (parsed[0] if parsed else None) if is_list else parsed
        notes = []
        if is_list and parsed.skipped:
            notes.append(ngettext("%(count)s item without key or name would not be stored",
                                  "%(count)s items without key or name would not be stored",
                                  parsed.skipped) % {"count": parsed.skipped})
        if operation == GET_TRAINERS and first is not None and not first.roles_known:
            notes.append(_("No role flags: trainers are offered as assessor and verifier both."))
        check = AnswerCheck(operation, True, True, count, len(parsed) if is_list else count, elements,
                            _redacted(first) if first is not None else (), " ".join(notes))
        return check, parsed

    def get_frameworks(self) -> ItemList:
        return self._list(self.courses_path, GET_FRAMEWORKS)

    def get_trainers(self) -> ItemList:
        return self._list(SERVICE_USERS, GET_TRAINERS)

    def get_nationalities(self) -> ItemList:
        return self._list(SERVICE_USERS, GET_NATIONALITIES)

    def get_ethnicities(self) -> ItemList:
        return self._list(SERVICE_USERS, GET_ETHNICITIES)

    def get_companies(self) -> ItemList:
        return self._list(self.companies_path, GET_COMPANIES)

    def get_candidates(self, *, course_qan: str, active: bool = True, completed: bool = False,
                       test: bool = False) -> ItemList:
        args = tuple(zip(CANDIDATES_ARGS, (course_qan, active, completed, test), strict=True))
        return self._list(SERVICE_USERS, GET_CANDIDATES, args)

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
        return self._read(call)

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
        self._read(_Call(SERVICE_ENROLMENT_UPDATE, UPDATE_ENROLMENT, ((USER_ARG, user),), multiref=True))

    @staticmethod
    def _address(address: Mapping[str, str], *, keep_empty: bool = False) -> _Struct:
        """An update sends a line emptied on purpose; an enrolment leaves empty lines out."""
        return _Struct(ENROLMENT_TYPES_NS, ADDRESS_TYPE, [(ADDRESS_NAMES[name], value) for name, value in address.items()
                                                          if value or keep_empty])

    # --- progress ------------------------------------------------------------------------------
    def get_progress(self, *, candidate_uuid: str, course_uuid: str) -> Progress:
        """Unit level."""
        call = _Call(SERVICE_USERS, GET_PROGRESS, tuple(zip(PROGRESS_ARGS, (candidate_uuid, course_uuid), strict=True)))
        return self._read(call)

    def get_progress_full(self, *, candidate_uuid: str, course_uuid: str) -> Progress:
        """Down to outcome level."""
        call = _Call(SERVICE_USERS, GET_PROGRESS_FULL,
                     tuple(zip(PROGRESS_ARGS, (candidate_uuid, course_uuid), strict=True)))
        return self._read(call)

"""The portal against every plausible shape of Learning Assistant's unpublished answers (issue 20): the
sandbox's answer modes, one at a time and all together."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from enrolments import client as la
from enrolments import services
from enrolments.models import Enrolment, ReferenceItem, ReferenceSync
from sandbox.learning_assistant import (
    ANSWER_MODES,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    MESSAGE_STRINGS,
    NO_ROLES,
    LearningAssistantSandbox,
)
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db
MODES = {"published": (), **{mode: (mode,) for mode in ANSWER_MODES}, "all": ANSWER_MODES}


def configure(settings, server):
    settings.LEARNING_ASSISTANT_URL = server.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    return server


@pytest.fixture(params=list(MODES))
def mode(request):
    return request.param


@pytest.fixture
def moded(mode, start_sandbox, settings):
    """The portal configured for a sandbox answering in ``mode``."""
    return configure(settings, start_sandbox(LearningAssistantSandbox.with_demo_data(answers=MODES[mode])))


def item(list_name, name) -> ReferenceItem:
    return ReferenceItem.objects.get(list_name=list_name, name=name)


def values(**changes) -> dict:
    return {"forename": "Amira", "surname": "Khan", "uln": "9276308686",
            "company_uuid": item(ReferenceItem.COMPANIES, "Harbour Care Ltd").key,
            "primary_assessor_uuid": item(ReferenceItem.TRAINERS, "Ava Assessor").key,
            "primary_verifier_uuid": item(ReferenceItem.TRAINERS, "Victor Verifier").key,
            "nationality_id": "1", "start_date": date(2026, 9, 1), "planned_end_date": date(2027, 8, 31)} | changes


def enrol(learner, **changes):
    framework = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    return services.enrolment_enrol(learner=learner, framework=framework, values=values(**changes),
                                    unit_uuids=[u["uuid"] for u in framework.units if u["mandatory"]])


# --- 1. never store what could not be read -------------------------------------------------------
def test_reference_sync_reads_every_list_in_every_answer_mode(moded, mode):
    services.reference_sync()
    app = moded.app
    stored = {name: dict(ReferenceItem.objects.filter(list_name=name).values_list("key", "name"))
              for name, _label in ReferenceItem.LIST_CHOICES}
    assert stored[ReferenceItem.COMPANIES] == app.companies
    assert stored[ReferenceItem.NATIONALITIES] == app.nationalities
    assert stored[ReferenceItem.ETHNICITIES] == app.ethnicities
    assert stored[ReferenceItem.FRAMEWORKS] == {f.uuid: f.title for f in app.frameworks}
    assert stored[ReferenceItem.TRAINERS] == {t["UUID"]: f"{t['Forename']} {t['Surname']}" for t in app.trainers}
    care = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    assert care.data["qan"] == "603/4817/3" and [u["uuid"] for u in care.units] == [
        u.uuid for u in app.frameworks[0].units]
    assert all(i.key and i.name for i in ReferenceItem.objects.all())


def test_trainers_without_role_flags_are_offered_for_both_roles(moded, mode, coordinator_client):
    services.reference_sync()
    learner = LearnerFactory()
    form = coordinator_client.get(reverse("enrolment_create", args=[learner.pk])).context["form"]
    assessors = [t.name for t in form.fields["primary_assessor_uuid"].queryset]
    verifiers = [t.name for t in form.fields["primary_verifier_uuid"].queryset]
    if NO_ROLES in MODES[mode]:
        assert assessors == verifiers == ["Ava Assessor", "Bea Both", "Victor Verifier"]
        assert "Ava Assessor (role not given by Learning Assistant)" in (
            form.fields["primary_verifier_uuid"].label_from_instance(item(ReferenceItem.TRAINERS, "Ava Assessor")))
    else:
        assert (assessors, verifiers) == (["Ava Assessor", "Bea Both"], ["Bea Both", "Victor Verifier"])


def test_an_item_without_key_or_name_is_not_stored(configured):
    app = configured.app
    app.companies[""] = "No key Ltd"
    app.companies["c0ffee00-0000-0000-0000-000000000000"] = ""
    app.trainers.append({"UUID": "7ra1ner0-0000", "Forename": "", "Surname": "", "IsAssessor": True,
                         "IsVerifier": True})
    services.reference_sync()
    assert sorted(ReferenceItem.objects.filter(list_name=ReferenceItem.COMPANIES).values_list("name", flat=True)) == [
        "Harbour Care Ltd", "Northern Offices plc"]
    assert ReferenceItem.objects.filter(list_name=ReferenceItem.TRAINERS).count() == 3
    assert ReferenceSync.objects.get(list_name=ReferenceItem.COMPANIES).skipped_count == 2
    assert ReferenceSync.objects.get(list_name=ReferenceItem.TRAINERS).skipped_count == 1


class OtherNamesSandbox(LearningAssistantSandbox):
    """Companies under names no published page uses for them (as an independent stand-in might)."""

    def _op_GetCompanies(self, operation, body):
        return [("Type_company", {"ID": k, "Title": v}) for k, v in self.companies.items()]


def test_unreadable_items_fail_that_list_only(start_sandbox, settings, coordinator_client, capsys):
    server = configure(settings, start_sandbox(LearningAssistantSandbox.with_demo_data()))
    services.reference_sync()
    before = set(ReferenceItem.objects.filter(list_name=ReferenceItem.COMPANIES).values_list("key", "name"))
    server.app.frameworks[0].title = "Adult Care Worker Level 2 (2027)"
    server.app.__class__ = OtherNamesSandbox  # the service changed its answers since the last sync

    with pytest.raises(CommandError, match="GetCompanies: items have ID, Title; expected CompanyUUID or UUID, "
                                           "Name or CompanyName"):
        call_command("sync_learning_assistant")
    assert "Frameworks: 2 entries, 0 added, 0 removed, 1 renamed" in capsys.readouterr().out
    assert set(ReferenceItem.objects.filter(list_name=ReferenceItem.COMPANIES, active=True)
               .values_list("key", "name")) == before  # kept as it was
    sync = ReferenceSync.objects.get(list_name=ReferenceItem.COMPANIES)
    assert sync.error.startswith("GetCompanies: items have ID, Title") and sync.total == 2
    page = coordinator_client.get(reverse("enrolment_reference")).content.decode()
    assert 'data-list-error="companies"' in page and "GetCompanies: items have ID, Title" in page
    assert 'data-list-error="frameworks"' not in page


@pytest.mark.parametrize("answer", [
    b"<companyuuid>c-1</companyuuid><NAME>Lower Ltd</NAME>",  # case-insensitive
    b"<la:UUID xmlns:la='urn:x'>c-1</la:UUID><Name>Lower Ltd</Name>",  # by local name, under the alias
])
def test_fields_are_read_by_local_name_case_insensitively_under_every_alias(answer):
    envelope = (b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
                b"<GetCompaniesResponse><GetCompaniesReturn><GetCompaniesReturn>" + answer +
                b"</GetCompaniesReturn></GetCompaniesReturn></GetCompaniesResponse></soapenv:Body></soapenv:Envelope>")
    assert la.read_answer(envelope, "GetCompanies") == [la.Company("c-1", "Lower Ltd")]


# --- 2. success and refusal ----------------------------------------------------------------------
def test_enrolment_outcomes_in_every_answer_mode(moded, mode):
    services.reference_sync()
    learner = LearnerFactory()
    enrolment, enrolled = enrol(learner)
    assert enrolled and enrolment.candidate_uuid == moded.app.enrolments[0].candidate_uuid
    services.enrolment_update(enrolment=enrolment, values={"department": "Night shift"})
    assert moded.app.enrolments[0].fields["Department"] == "Night shift"
    with pytest.raises(la.LearningAssistantRejected) as refused:
        enrol(LearnerFactory(), nationality_id="404")
    assert [i.message for i in refused.value.issues] == ["Unknown NationalityID"]
    expected_field = "" if MESSAGE_STRINGS in MODES[mode] else "NationalityID"
    assert refused.value.issues[0].field == expected_field
    with pytest.raises(la.LearningAssistantRejected):
        services.enrolment_update(enrolment=enrolment, values={"nationality_id": "404"})


def test_message_list_strings_are_shown(start_sandbox, settings, coordinator_client):
    server = configure(settings, start_sandbox(LearningAssistantSandbox.with_demo_data(answers=[MESSAGE_STRINGS])))
    services.reference_sync()
    server.app.companies.clear()
    learner = LearnerFactory()
    framework = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values().items()}
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), data | {
        "framework": framework.pk, "units": [u["uuid"] for u in framework.units]})
    assert "Unknown CompanyUUID" in page.context["form"].non_field_errors()
    assert not Enrolment.objects.exists()


class OpaqueAnswerSandbox(LearningAssistantSandbox):
    """Enrols, then answers with something that is neither a Candidate UUID nor a MessageList."""

    def _op_GroupEnrolment(self, operation, body):
        result = super()._op_GroupEnrolment(operation, body)
        return "OK" if "MessageList" not in result[1] else result


def test_an_unreadable_enrolment_answer_is_linked_through_get_candidates(start_sandbox, settings):
    server = configure(settings, start_sandbox(OpaqueAnswerSandbox.with_demo_data()))
    services.reference_sync()
    enrolment, enrolled = enrol(LearnerFactory())
    assert not enrolled and enrolment.candidate_uuid == server.app.enrolments[0].candidate_uuid
    assert len(server.app.received("GroupEnrolment")) == 1 and server.app.received("GetCandidates")


def test_an_unknown_outcome_not_found_says_check_in_learning_assistant(start_sandbox, settings):
    server = configure(settings, start_sandbox(OpaqueAnswerSandbox.with_demo_data()))
    services.reference_sync()
    server.app.__class__ = type("Forgetful", (OpaqueAnswerSandbox,), {
        "_op_GetCandidates": lambda self, operation, body: []})
    with pytest.raises(la.LearningAssistantUnknownOutcome, match=r"unknown\): check in Learning Assistant"):
        enrol(LearnerFactory())
    assert not Enrolment.objects.exists()


# --- 4. first contact: check the answers ---------------------------------------------------------
def test_the_answer_check_page_reads_every_operation_in_every_mode(moded, mode, coordinator_client):
    services.reference_sync()
    enrol(LearnerFactory(first_name="Zelda", last_name="Secretname"))
    page = coordinator_client.post(reverse("enrolment_answer_check"))
    checks = {check.operation: check for check in page.context["checks"]}
    assert list(checks) == ["GetFrameworks", "GetTrainers", "GetCompanies", "GetNationalities", "GetEthnicities",
                            "GetCandidates", "GetProgress", "GetProgressFull"]
    assert all(check.called and check.read for check in checks.values()), checks
    companies = checks["GetCompanies"]
    assert (companies.count, companies.kept) == (2, 2)
    uuid_name = "UUID" if "plain_names" in MODES[mode] else "CompanyUUID"
    assert set(companies.elements) == {uuid_name, "Name"}
    assert companies.read_as == (("uuid", "read"), ("name", "read"))
    trainers = checks["GetTrainers"]
    assert ("No role flags" in trainers.message) == (NO_ROLES in MODES[mode])
    html = page.content.decode()
    for secret in ("Zelda", "Secretname", "Ava", "9276308686", DEFAULT_PASSWORD, "Harbour Care"):
        assert secret not in html  # values are redacted: only whether each field was found


def test_the_answer_check_names_the_wrong_guess(start_sandbox, settings, coordinator_client, capsys):
    configure(settings, start_sandbox(OtherNamesSandbox.with_demo_data()))
    page = coordinator_client.post(reverse("enrolment_answer_check"))
    [companies] = [check for check in page.context["checks"] if check.operation == "GetCompanies"]
    assert not companies.read and companies.elements == ("ID", "Title")
    assert 'data-operation="GetCompanies" class="table-danger"' in page.content.decode()
    call_command("check_connections", "--verbose", "learning_assistant")
    out = capsys.readouterr().out
    assert "Learning Assistant: ok." in out
    assert ("  GetCompanies: not read: GetCompanies: items have ID, Title; expected CompanyUUID or UUID, Name or "
            "CompanyName; first item: ID, Title") in out
    assert "  GetFrameworks: read, 2 items, 2 kept; first item: CourseUUID, QAN, Title, Units; read as: uuid read, " \
           "qan read, title read, units 3 items" in out
    assert "GetProgress: not called: no candidate on 603/4817/3" in out


def test_the_bulk_enrol_links_an_unknown_outcome_too(start_sandbox, settings, coordinator,
                                                    django_capture_on_commit_callbacks):
    server = configure(settings, start_sandbox(OpaqueAnswerSandbox.with_demo_data()))
    services.reference_sync()
    learner = LearnerFactory()
    common = {k: v for k, v in values().items() if k not in ("forename", "surname", "uln")}
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enrolments_bulk_start(learners=[learner], framework=item(
            ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2"), values=common, unit_uuids=[],
            send_login_details=False, user=coordinator)
    job.refresh_from_db()
    assert job.result["counts"] == {"enrolled": 1, "already_enrolled": 0, "failed": 0}
    assert Enrolment.objects.get(learner=learner).candidate_uuid == server.app.enrolments[0].candidate_uuid

"""The coordinator's Learning Assistant pages through Django's test client, against the sandbox."""

from datetime import date

import pytest
from django.urls import reverse

from enrolments import services
from enrolments.models import Enrolment, ReferenceItem
from portal.models import AuditEvent
from tests.enrolments.factories import EnrolmentFactory, FrameworkFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def key(list_name, name) -> str:
    return ReferenceItem.objects.get(list_name=list_name, name=name).key


def framework(name="Adult Care Worker Level 2") -> ReferenceItem:
    return ReferenceItem.objects.get(list_name=ReferenceItem.FRAMEWORKS, name=name)


def enrol_data(**changes) -> dict:
    care = framework()
    data = {
        "framework": care.pk, "units": [u["uuid"] for u in care.units],
        "forename": "Amira", "surname": "Khan", "email": "amira@example.org", "uln": "9276308686",
        "ni_number": "AB 12 34 56 C", "gender": "Female", "birth_date": "2004-03-02",
        "company_uuid": key(ReferenceItem.COMPANIES, "Harbour Care Ltd"),
        "primary_assessor_uuid": key(ReferenceItem.TRAINERS, "Ava Assessor"),
        "primary_verifier_uuid": key(ReferenceItem.TRAINERS, "Victor Verifier"),
        "nationality_id": "1", "ethnicity_id": "99", "start_date": "2026-09-01", "planned_end_date": "2027-08-31",
        "job_title": "Care assistant",
    }
    return data | changes


def group_enrolments(sandbox) -> int:
    return len(sandbox.app.received("GroupEnrolment"))


@pytest.fixture
def learner(db):
    return LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org", function="Carer")


def test_the_enrol_form_is_prefilled_from_the_learner_and_the_synced_lists(coordinator_client, synced, learner):
    page = coordinator_client.get(reverse("enrolment_create", args=[learner.pk]))
    form = page.context["form"]
    assert (form.initial["forename"], form.initial["surname"], form.initial["job_title"]) == ("Amira", "Khan", "Carer")
    html = page.content.decode()
    assert "Adult Care Worker Level 2 (603/4817/3)" in html and "Harbour Care Ltd" in html
    assert [t.name for t in form.fields["primary_verifier_uuid"].queryset] == ["Bea Both", "Victor Verifier"]


def test_choosing_a_framework_loads_its_units_with_the_mandatory_ones_ticked(coordinator_client, synced, learner):
    care = framework()
    page = coordinator_client.get(reverse("enrolment_create", args=[learner.pk]), {"framework": care.pk},
                                  headers={"HX-Request": "true"})
    html = page.content.decode()
    assert html.startswith('<div id="units-field">')
    assert html.count("checked") == 2 and "Dementia awareness" in html and "(mandatory)" in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("uln", "9276308687", "is not a valid ULN: its check digit does not match"),
    ("uln", "12345", "A ULN has 10 digits."),
    ("ni_number", "QQ123456C", "is not a National Insurance number"),
    ("planned_end_date", "2026-01-01", "The planned end date lies before the start date."),
])
def test_mistakes_are_caught_before_anything_is_sent(coordinator_client, synced, learner, field, value, message):
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(**{field: value}))
    assert page.status_code == 200
    assert message in " ".join(page.context["form"].errors[field])
    assert group_enrolments(synced) == 0


@pytest.mark.parametrize(("qan", "warned"), [("", False), ("60129773", False), ("6012977X", False),
                                             ("601/2977/3", False), ("60/2977/3", True), ("٦٠١/٢٩٧٧/٣", True)])
def test_a_framework_without_a_qan_or_in_another_notation_can_be_enrolled_on(coordinator_client, configured,
                                                                             learner, qan, warned):
    configured.app.frameworks[0].qan = qan
    services.reference_sync()
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)
    assert Enrolment.objects.get().framework == framework()
    [sent] = configured.app.received("GroupEnrolment")
    course = sent.find(".//{http://enrolment.types.soap.webservices}Type_enrolmentCourse")
    assert [child.tag for child in course] == ["CourseUUID", "Units"]  # "Course UUID or Course QAN": the UUID
    assert ("is not a QAN" in page.content.decode()) == warned


@pytest.mark.parametrize(("value", "message"), [
    ("GB123456C", "GB123456C is not a National Insurance number: the prefix GB is not issued."),
    ("QQ123456C", "QQ123456C is not a National Insurance number: the prefix QQ is not issued."),
    ("AB12345C", "AB12345C is not a National Insurance number (two letters, six digits, A–D, e.g. AB123456C)."),
    ("AB123456E", "AB123456E is not a National Insurance number (two letters, six digits, A–D, e.g. AB123456C)."),
])
def test_the_ni_number_message_explains_the_format_only_when_the_format_is_wrong(coordinator_client, synced, learner,
                                                                                 value, message):
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(ni_number=value))
    assert page.context["form"].errors["ni_number"] == [message]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("uln", "٩٢٧٦٣٠٨٦٨٦", "A ULN has 10 digits."),  # 9276308686 in Arabic-Indic digits: str.isdigit() says yes
    ("ni_number", "AB١٢٣٤٥٦C", "is not a National Insurance number"),
])
def test_digits_are_ascii_digits(coordinator_client, synced, learner, field, value, message):
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(**{field: value}))
    assert message in " ".join(page.context["form"].errors[field])
    assert group_enrolments(synced) == 0


def test_learning_assistants_issues_appear_next_to_their_fields_and_nothing_typed_is_lost(coordinator_client, synced,
                                                                                        learner):
    synced.app.companies.clear()  # the company was dropped in Learning Assistant since the last sync
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]),
                                   enrol_data(department="Night shift"))
    form = page.context["form"]
    assert form.errors["company_uuid"] == ["Unknown CompanyUUID"]
    html = page.content.decode()
    assert 'value="Night shift"' in html and 'value="9276308686"' in html
    assert not Enrolment.objects.exists()


def test_a_successful_enrolment_stores_the_candidate_and_opens_its_page(coordinator_client, synced, learner):
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)
    enrolment = Enrolment.objects.get()
    assert page.redirect_chain[-1][0] == enrolment.get_absolute_url()
    assert "Amira Khan is enrolled on Adult Care Worker Level 2" in page.content.decode()
    sent = synced.app.enrolments[0]
    assert sent.fields["NINumber"] == "AB123456C"
    assert sent.fields["SourceSystemLearnerUUID"] == str(learner.la_identity.source_uuid)
    assert enrolment.candidate_uuid == sent.candidate_uuid and enrolment.uln == "9276308686"


def test_enrolling_again_after_an_answer_was_lost_links_what_learning_assistant_has(coordinator_client, synced,
                                                                                     learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    candidate = Enrolment.objects.get().candidate_uuid
    Enrolment.objects.all().delete()  # as if the answer never reached the portal: the page said it failed

    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)

    assert group_enrolments(synced) == 1 and len(synced.app.enrolments) == 1
    assert Enrolment.objects.get().candidate_uuid == candidate
    assert "linked, not enrolled twice" in page.content.decode()
    assert AuditEvent.objects.filter(action="enrolment.link", learner=learner).exists()


@pytest.mark.parametrize("assign", [True, False])
def test_employment_status_awarding_body_number_and_the_evaluation_go_to_learning_assistant(
        coordinator_client, synced, learner, assign):
    data = enrol_data(employment_status="Employed", awarding_body_registration="CG-4471")
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]),
                            {**data, **({"assign_evaluation": "on"} if assign else {})})

    sent = synced.app.enrolments[0]
    assert (sent.fields["EmploymentStatus"], sent.fields["AwardingBodyRegistrationNo"]) == ("Employed", "CG-4471")
    [envelope] = synced.app.received("GroupEnrolment")
    flag = next(e for e in envelope.iter() if e.tag.endswith("blnAssignEvaluationOnEnroll"))
    assert flag.text.strip() == ("true" if assign else "false")


def test_a_learner_is_not_enrolled_twice_on_one_framework(coordinator_client, synced, learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    assert page.context["form"].errors["framework"] == ["Amira Khan is already enrolled on this framework."]
    assert group_enrolments(synced) == 1


def test_the_bulk_page_loads_a_frameworks_units(coordinator_client, synced):
    page = coordinator_client.get(reverse("enrolment_bulk"), {"framework": framework().pk},
                                  headers={"HX-Request": "true", "HX-Target": "units-field"})
    assert page.content.decode().count("checked") == 2


def test_the_address_goes_in_its_struct_and_an_update_sends_only_the_changed_line(coordinator_client, synced):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", address="1 Mill Lane", zip="LS1 4AB",
                             residence="Leeds")
    form = coordinator_client.get(reverse("enrolment_create", args=[learner.pk])).context["form"]
    assert (form.initial["address_line1"], form.initial["town"], form.initial["postcode"]) == (
        "1 Mill Lane", "Leeds", "LS1 4AB")
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(
        address_line1="1 Mill Lane", town="Leeds", postcode="LS1 4AB"))
    assert {k: v for k, v in synced.app.enrolments[0].fields.items() if k.startswith("Address.")} == {
        "Address.Line1": "1 Mill Lane", "Address.Postcode": "LS1 4AB", "Address.Town": "Leeds"}
    enrolment = Enrolment.objects.get()
    coordinator_client.post(reverse("enrolment_update", args=[enrolment.pk]),
                            {**enrolment.values, "town": "Bradford", "confirm": "1"})
    assert synced.app.updates == [{"Address.Town": "Bradford", "CandidateUUID": enrolment.candidate_uuid,
                                   "CourseUUID": enrolment.framework.key}]


def test_the_update_shows_what_will_be_sent_and_then_sends_it(coordinator_client, synced, learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    enrolment = Enrolment.objects.get()
    url = reverse("enrolment_update", args=[enrolment.pk])
    page = coordinator_client.get(url)
    assert page.context["form"].fields["forename"].disabled
    changed = {**enrolment.values, "planned_end_date": "2027-11-30", "forename": "Amy"}

    preview = coordinator_client.post(url, changed)
    rows = preview.context["preview"]
    assert [(str(r["label"]), r["before"], r["after"]) for r in rows] == [
        ("Planned end date", "2027-08-31", "2027-11-30")]
    assert "Candidate UUID" in preview.content.decode()
    assert synced.app.updates == []  # nothing sent yet

    done = coordinator_client.post(url, {**changed, "confirm": "1"}, follow=True)
    assert "Enrolment changed in Learning Assistant." in done.content.decode()
    assert synced.app.updates == [{"CandidateUUID": enrolment.candidate_uuid, "CourseUUID": enrolment.framework.key,
                                   "PlannedEndDate": "2027-11-30"}]
    enrolment.refresh_from_db()
    assert enrolment.planned_end_date == date(2027, 11, 30)


def test_the_update_preview_shows_names_not_uuids_and_the_uuid_only_when_unknown(coordinator_client, synced,
                                                                                  learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    enrolment = Enrolment.objects.get()
    gone = "55a33d81-0000-4000-8000-000000000000"  # an assessor no list knows (any more)
    enrolment.values["primary_assessor_uuid"] = gone
    enrolment.save()
    changed = {**enrolment.values, "company_uuid": key(ReferenceItem.COMPANIES, "Northern Offices plc"),
               "primary_assessor_uuid": key(ReferenceItem.TRAINERS, "Ava Assessor")}

    rows = coordinator_client.post(reverse("enrolment_update", args=[enrolment.pk]), changed).context["preview"]

    assert [(str(r["label"]), r["before"], r["after"]) for r in rows] == [
        ("Company", "Harbour Care Ltd", "Northern Offices plc"), ("Primary assessor", gone, "Ava Assessor")]


def test_an_update_learning_assistant_refuses_shows_the_issue_at_its_field(coordinator_client, synced, learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    enrolment = Enrolment.objects.get()
    northern = key(ReferenceItem.COMPANIES, "Northern Offices plc")
    del synced.app.companies[northern]  # gone in Learning Assistant since the last sync
    page = coordinator_client.post(reverse("enrolment_update", args=[enrolment.pk]),
                                   {**enrolment.values, "company_uuid": northern, "confirm": "1"})
    assert page.context["form"].errors["company_uuid"] == ["Unknown CompanyUUID"]
    enrolment.refresh_from_db()
    assert enrolment.values["company_uuid"] != northern


def test_pulling_progress_shows_units_outcomes_and_the_chart(coordinator_client, synced, learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    enrolment = Enrolment.objects.get()
    empty = coordinator_client.get(enrolment.get_absolute_url()).content.decode()
    assert 'id="no-chart"' in empty
    coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]))
    synced.app.advance(days=10)
    page = coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]), follow=True)
    html = page.content.decode()
    assert 'id="progress-chart"' in html and html.count("data-progress-point=") == 2
    assert "Duty of care" in html and "Explain what duty of care means" in html
    assert "Progress pulled from Learning Assistant: 33.3%" in html


def test_the_progress_message_writes_the_percentage_as_the_page_does(coordinator_client, synced, learner):
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data())
    enrolment = Enrolment.objects.get()
    coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]))
    synced.app.advance(days=10)  # a third of the units done
    coordinator_client.cookies["django_language"] = "nl"
    page = coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]), follow=True,
                                   HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Voortgang opgehaald uit Learning Assistant: 33,3%." in page


def test_the_list_shows_progress_and_keeps_page_sizes_bounded(coordinator_client):
    EnrolmentFactory.create_batch(30, progress=40.0)
    page = coordinator_client.get(reverse("enrolment_list"), {"per_page": "100000"})
    assert len(page.context["table"].page.object_list) == 25
    assert 'data-progress="40"' in page.content.decode()
    assert len(coordinator_client.get(reverse("enrolment_list"), {"per_page": "50"})
               .context["table"].page.object_list) == 30


def test_the_learner_page_lists_the_learners_enrolments(coordinator_client):
    enrolment = EnrolmentFactory(progress=12.5)
    page = coordinator_client.get(enrolment.learner.get_absolute_url()).content.decode()
    assert "Learning Assistant enrolments" in page and enrolment.framework.name in page and "12.5%" in page
    assert reverse("enrolment_create", args=[enrolment.learner.pk]) in page


def test_the_reference_page_syncs_and_shows_what_changed(coordinator_client, configured,
                                                         django_capture_on_commit_callbacks):
    page = coordinator_client.get(reverse("enrolment_reference"))
    assert "never synced" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("enrolment_reference_sync"))
    job_page = coordinator_client.get(response["Location"])
    assert "5 lists synced." in job_page.content.decode()
    page = coordinator_client.get(reverse("enrolment_reference")).content.decode()
    assert "<strong>2</strong>: Adult Care Worker Level 2, Business Administrator Level 3" in page
    assert "QAN 603/4817/3 · 3 units, 2 mandatory" in page


def test_pages_say_when_learning_assistant_is_not_configured(coordinator_client):
    page = coordinator_client.get(reverse("enrolment_reference"))
    assert 'id="not-configured"' in page.content.decode()
    response = coordinator_client.post(reverse("enrolment_reference_sync"), follow=True)
    assert "Learning Assistant is not configured." in response.content.decode()


def test_filtering_the_bulk_page_keeps_learners_ticked_elsewhere_and_a_refused_form_keeps_the_ticks(
        coordinator_client, synced):
    ann, bo = LearnerFactory(first_name="Ann", last_name="Visser"), LearnerFactory(first_name="Bo", last_name="Smit")
    page = coordinator_client.get(reverse("enrolment_bulk"), {"q": "smit", "learners": [ann.pk, "x", "٣", "3" * 30]},
                                  headers={"HX-Request": "true", "HX-Target": "learner-picker"})
    assert page.context["ticked_elsewhere"] == [ann.pk]
    html = page.content.decode()
    picker = html[html.index('id="learner-picker"'):html.index("</table>")]
    assert f'<input type="hidden" name="learners" value="{ann.pk}">' in picker
    assert "learners=" not in picker  # not in the paging links: a box unticked since stays unticked

    refused = coordinator_client.post(reverse("enrolment_bulk"), {"learners": [ann.pk, bo.pk]})  # no framework
    assert refused.status_code == 400
    assert refused.context["table"].columns["learners"].column.checked(bo.pk, bo)
    assert not refused.context["table"].columns["learners"].column.checked(ann.pk + bo.pk, None)


def test_bulk_enrol_runs_a_job_with_an_outcome_per_learner(coordinator_client, synced, django_capture_on_commit_callbacks):
    first, second = LearnerFactory(first_name="Ann"), LearnerFactory(first_name="Bo")
    data = {k: v for k, v in enrol_data().items() if k not in ("forename", "surname", "email", "uln", "ni_number",
                                                               "gender", "birth_date", "job_title")}
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("enrolment_bulk"), {**data, "learners": [first.pk, second.pk]})
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "2 enrolled, 0 already enrolled, 0 failed." in page
    assert page.count('data-status="enrolled"') == 2
    assert services.source_learner_uuid(learner=first) != services.source_learner_uuid(learner=second)


def test_the_dashboards_connection_test_says_when_the_password_is_refused(coordinator_client, configured, settings):
    url = reverse("integration_connection_test", args=["learning_assistant"])
    ok = coordinator_client.post(url, follow=True).content.decode()
    assert "Connected: Learning Assistant accepted the user name and password." in ok
    settings.LEARNING_ASSISTANT_PASSWORD = "wrong"
    refused = coordinator_client.post(url, follow=True).content.decode()
    assert "the connection test failed: Learning Assistant refused the user name or password." in refused


@pytest.mark.parametrize("value", ["%C2%B2", "%EF%BC%93", "9" * 40, "-1"])
def test_an_odd_framework_in_the_address_shows_the_page_without_units(coordinator_client, synced, learner, value):
    for url in (reverse("enrolment_create", args=[learner.pk]), reverse("enrolment_bulk")):
        page = coordinator_client.get(f"{url}?framework={value}")
        assert page.status_code == 200 and " checked" not in page.content.decode()  # no box ticked


@pytest.mark.parametrize(("field", "value", "message"), [
    ("forename", "Am\x1bira", "control character U+001B"),
    ("surname", "Khan\u202e", "control character U+202E"),
    ("job_title", "Care\x01assistant", "control character U+0001"),
    ("birth_date", "0001-01-01", "0001-01-01 lies outside 1900-01-01"),
    ("start_date", "9999-12-31", "9999-12-31 lies outside 2000-01-01"),
])
def test_control_characters_and_implausible_dates_are_refused_before_anything_is_sent(
        coordinator_client, synced, learner, field, value, message):
    page = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(**{field: value}))
    assert page.status_code == 200
    assert message in " ".join(page.context["form"].errors[field])
    assert group_enrolments(synced) == 0

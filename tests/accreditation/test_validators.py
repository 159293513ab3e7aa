"""PE IDs hold letters, ASCII digits, "-", "_" and "."; the configuration pages refuse anything else."""

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import CourseAccreditation, EventAccreditation
from accreditation.validators import validate_pe_id, validate_pe_ids
from tests.factories import CourseFactory, EventFactory


@pytest.mark.parametrize("value", ["8001", "IC_0091", "Module_A", "XYZ-01", "123AB32", "Cursus.2026", "Módulo", ""])
def test_pe_online_s_numbers_and_the_provider_s_codes_are_pe_ids(value):
    validate_pe_id(value)


@pytest.mark.parametrize("value", ["80 01", "١٢٣", "²", "8001\u00a0", "IC/0091", "<x>", "a\x01", "8001;"])
def test_other_characters_are_refused(value):
    with pytest.raises(ValidationError):
        validate_pe_id(value)


@pytest.mark.parametrize("values", [["100111", "XYZ 01"], "100111", [100111]])
def test_a_meeting_list_is_a_list_of_pe_ids(values):
    with pytest.raises(ValidationError):
        validate_pe_ids(values)


@pytest.mark.django_db
def test_the_configuration_pages_refuse_other_characters(coordinator_client):
    course, event = CourseFactory(), EventFactory()

    response = coordinator_client.post(f"/accreditation/courses/{course.pk}/",
                                       {"pe_course_id": "٤٠٠١", "pe_edition_id": "40011"})
    assert response.status_code == 200 and "A PE ID holds only letters" in response.text
    response = coordinator_client.post(f"/accreditation/events/{event.pk}/", {
        "meetings": "100111, 1001 12", "pe_course_id": "1001", "pe_edition_id": "10011", "assessment": "attendance"})
    assert response.status_code == 200 and "A PE ID holds only letters" in response.text
    assert not CourseAccreditation.objects.exists() and not EventAccreditation.objects.exists()


@pytest.mark.django_db
def test_the_models_refuse_other_characters_too():
    with pytest.raises(ValidationError) as failure:
        EventAccreditation(event=EventFactory(), pe_course_id="1001", pe_meeting_ids=["10 01"]).full_clean()
    assert set(failure.value.message_dict) == {"pe_meeting_ids"}

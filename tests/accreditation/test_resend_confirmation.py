"""Bulk resend asks first, saying how many awards it will make due again; only the confirmation's POST acts."""

import re

import pytest
from django.urls import reverse

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory

pytestmark = pytest.mark.django_db


def test_the_list_asks_for_confirmation_with_the_count_before_resending(coordinator_client):
    resendable = [AwardFactory(status=s) for s in (Award.REJECTED, Award.FAILED, Award.UNKNOWN)]
    AwardFactory(status=Award.ACCEPTED)
    AwardFactory(status=Award.REJECTED, person_number="")  # no PE number: not resent
    AwardFactory(org_id=52, status=Award.REJECTED)  # not selected by the filter

    awards_page = coordinator_client.get(reverse("award_list"), {"org_id": 19}).content.decode()
    assert not re.search(r'<form[^>]*action="/accreditation/resend/', awards_page)  # no resend in one click
    confirm = coordinator_client.get(reverse("awards_resend"), {"org_id": 19}, HTTP_ACCEPT_LANGUAGE="nl")

    html = confirm.content.decode()
    assert confirm.status_code == 200 and "3 toekenningen opnieuw versturen" in html
    assert 'action="/accreditation/resend/?org_id=19"' in html
    assert all(Award.objects.get(pk=a.pk).status != Award.DUE for a in resendable)  # nothing done yet

    coordinator_client.post(reverse("awards_resend") + "?org_id=19")
    assert [Award.objects.get(pk=a.pk).status for a in resendable] == [Award.DUE] * 3


def test_with_nothing_to_resend_the_confirmation_offers_no_button(coordinator_client):
    AwardFactory(status=Award.ACCEPTED)

    html = coordinator_client.get(reverse("awards_resend")).content.decode()

    assert "nothing to resend" in html and 'type="submit"' not in html.split('id="awards-resend-form"')[1]

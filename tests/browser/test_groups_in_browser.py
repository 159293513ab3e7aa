import pytest
from playwright.sync_api import expect

from subscriptions.models import LearnerGroup
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_finds_members_while_typing_and_saves_the_group(logged_in_page, live_server):
    LearnerFactory(first_name="Sanne", last_name="Visser", external_id="EXT-1")
    LearnerFactory(first_name="Daan", last_name="Bakker", external_id="EXT-2")
    page = logged_in_page
    page.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="New group").click()
    page.get_by_label("Group ID").fill("GRP-B")
    page.locator("#id_name").fill("Cohort B")
    page.get_by_label("Search learners to add").press_sequentially("viss")
    expect(page.locator("#member-candidates")).to_contain_text("Sanne Visser")
    expect(page.locator("#member-candidates")).not_to_contain_text("Daan")
    page.get_by_label("Sanne Visser").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Group Cohort B saved.")).to_be_visible()
    expect(page.locator("#members")).to_contain_text("Remove Sanne Visser")
    assert [m.external_id for m in LearnerGroup.objects.get().members.all()] == ["EXT-1"]

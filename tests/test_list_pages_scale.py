"""Guard rails for the list pages at scale (the timings are in ``make bench``): the queries a page
makes do not grow with the data, and on PostgreSQL every filter and sort a page offers has an index
that starts with its column."""

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.urls import reverse, reverse_lazy

from accreditation.filters import AwardFilter
from accreditation.models import Award
from accreditation.tables import AwardTable
from enrolments.filters import EnrolmentFilter
from enrolments.models import Enrolment
from enrolments.tables import EnrolmentTable
from portal.filters import AuditEventFilter, JobFilter, LearnerFilter
from portal.models import AuditEvent, Job, Learner
from portal.pagination import cursor_of
from portal.tables import AuditEventTable, JobTable, LearnerTable
from portal.worklist import all_entries
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory, FrameworkFactory
from tests.factories import ActivityFactory, AuditEventFactory, CourseFactory, JobFactory, LearnerFactory
from subscriptions.filters import SubscriptionFilter
from subscriptions.models import Subscription
from subscriptions.tables import SubscriptionListTable
from tests.subscriptions.factories import SubscriptionFactory

QUERY_LIMIT = 10


def _fill(size: int) -> Learner:
    """``size`` learners, each with an award, an enrolment and two audit events; one learner with
    ``size`` subscriptions. Returns that learner."""
    course = CourseFactory()
    activity = ActivityFactory(template=course.template)
    framework = FrameworkFactory()
    learners = LearnerFactory.create_batch(size)
    for n, learner in enumerate(learners):
        # Every second award and enrolment needs attention: the worklist counts them.
        AwardFactory(learner=learner, course=course, activity=activity, status=Award.REJECTED if n % 2 else Award.DUE)
        EnrolmentFactory(learner=learner, framework=framework, progress_pulled_at=None if n % 2 else timezone.now())
        AuditEventFactory.create_batch(2, learner=learner, course=course)
        JobFactory(status="succeeded")
    for other in CourseFactory.create_batch(size, template=course.template):
        SubscriptionFactory(learner=learners[0], course=other)
    return learners[0]


def _urls(learner: Learner) -> dict[str, list[str]]:
    template = learner.subscriptions.first().course.template_id
    middle = AuditEvent.objects.order_by("-created_at", "-id")[AuditEvent.objects.count() // 2]
    cursor = cursor_of(middle.created_at, middle.pk)
    return {
        "learners": [reverse("learner_list"), reverse("learner_list") + "?q=a&active=true&sort=-name"],
        "subscriptions": [reverse("learner_subscriptions", args=[learner.pk])],
        "subscription list": [reverse("subscription_list"),
                              reverse("subscription_list") + f"?learner=a&status=not_started&template={template}"
                                                             "&start_after=2026-01-01&expire_before=2027-01-01"
                                                             "&sort=-learner&page=2"],
        "subscription export": [reverse("subscription_export") + "?status=not_started"],
        "awards": [reverse("award_list"), reverse("award_list") + f"?status={Award.DUE}&sort=-created_at"],
        "award export": [reverse("award_export") + f"?status={Award.DUE}"],
        "enrolments": [reverse("enrolment_list"), reverse("enrolment_list") + "?q=a&sort=-start_date"],
        "audit log": [reverse("audit_list"), reverse("audit_list") + f"?system=portal&learner={learner.pk}",
                      reverse("audit_list") + f"?older={cursor}&per_page=25", reverse("audit_list") + f"?newer={cursor}"],
        "audit export": [reverse("audit_export")],
        "jobs": [reverse("job_list"), reverse("job_list") + "?kind=learner_import&status=succeeded&user=a&page=2"],
    }


def _queries(client, urls: dict[str, list[str]]) -> dict[str, int]:
    counts = {}
    for page, page_urls in urls.items():
        counts[page] = 0
        for url in page_urls:
            cache.clear()  # every page counted cold: a chart cached by the last request is not free
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            assert response.status_code == 200, url
            counts[page] = max(counts[page], len(queries))
    return counts


# Pages that count rather than list (no table): the worklist's entries.
COUNTING_PAGES = {"worklist": [reverse_lazy("worklist"), reverse_lazy("worklist_badge")]}


def test_every_list_page_makes_the_same_queries_at_two_data_sizes(admin_client_):
    learner = _fill(3)
    admin_client_.get(reverse("dashboard"))  # the session's refresh and the connection's set-up, once
    small = _queries(admin_client_, {**_urls(learner), **COUNTING_PAGES})
    _fill(30)
    large = _queries(admin_client_, {**_urls(learner), **COUNTING_PAGES})

    assert large == small
    assert max(large.values()) <= QUERY_LIMIT, large


def test_no_list_page_loads_more_rows_than_it_shows(admin_client_):
    """A page of 25 reads 25 rows: counting the rest is one COUNT, never loading them all (which
    django-tables2 does when it is asked for the length of a table it does not know is paged)."""
    learner = _fill(40)
    loaded = Counter()

    def count(sender, **kwargs):
        loaded[sender.__name__] += 1

    post_init.connect(count)
    try:
        too_many = {}
        for page_urls in _urls(learner).values():
            for url in page_urls:
                loaded.clear()
                response = admin_client_.get(url)
                if response.streaming:
                    continue
                table = response.context["table"]
                pages = getattr(table, "keyset", None) or getattr(table, "paginator", None)  # the audit log: keyset
                shown = pages.per_page if pages else 0  # an unpaged table may load as many as it has
                # A row per line, and the one learner a page is about (or the one row a keyset page reads
                # to know there are older ones).
                if max(loaded.values()) > shown + 1:
                    too_many[url] = max(loaded.values())
    finally:
        post_init.disconnect(count)

    assert too_many == {}


# What each list page lets a coordinator filter and sort on: (model, filterset, table). A learner's
# subscriptions page lists one learner's few rows, found by the (learner, course) unique index.
LIST_PAGES = [
    (Learner, LearnerFilter, LearnerTable),
    (Subscription, SubscriptionFilter, SubscriptionListTable),
    (Award, AwardFilter, AwardTable),
    (Enrolment, EnrolmentFilter, EnrolmentTable),
    (AuditEvent, AuditEventFilter, AuditEventTable),
    (Job, JobFilter, JobTable),
]
# Free-text searches (icontains / the learner search) no b-tree index serves.
# A subscription's status is a combination of four flags (no column to index); most subscriptions share
# one of few statuses, so the list's ordered index walk finds a page of them.
# Listed here on purpose: a new filter must have an index or be added here with its reason.
NOT_INDEXED = {(Learner, "q"), (Learner, "company"), (AuditEvent, "actor"),
               (AuditEvent, "action"), (Award, "learner"), (Enrolment, "q"), (Subscription, "learner"),
               (Subscription, "status")}


def _columns_offered(model, filterset, table) -> set[tuple[str, str]]:
    """(what, column) for the default order and every filter and sort the page offers, on ``model``'s table."""
    first = model._meta.ordering[0].lstrip("-").split("__")[0]  # a field, or a field__transform
    offered = {("default order", model._meta.get_field(first).column)}
    for name, page_filter in (filterset.base_filters.items() if filterset else ()):
        if (model, name) in NOT_INDEXED:
            continue
        first = page_filter.field_name.split("__")[0]
        offered.add((f"filter {name}", model._meta.get_field(first).column))
    for bound in table([]).columns if table else ():
        if not bound.orderable:
            continue
        # An index on the sort's first column (and possibly the next ones) serves it.
        order = (bound.order_by or [bound.accessor])[0]
        first = str(order).lstrip("-").replace(".", "__").split("__")[0]
        offered.add((f"sort {bound.name}", model._meta.get_field(first).column))
    return offered


def _expression_column(definition: str) -> str:
    """The column an index on expressions starts with: last_name in ``USING btree (last_name COLLATE name_sort``."""
    return re.search(r"USING \w+ \(+(\w+)", definition)[1]


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(("model", "filterset", "table"), LIST_PAGES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_filter_and_sort_of_a_list_page_has_an_index(model, filterset, table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    leading = {c["columns"][0] or _expression_column(c["definition"]) for c in constraints.values()
               if (c["index"] or c["unique"]) and c["columns"]}

    missing = sorted(what for what, column in _columns_offered(model, filterset, table) if column not in leading)

    assert not missing, f"{model.__name__}: no index starts with the column of {missing}"


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("system", "anewspring"), ("outcome", "failure"), ("learner_id", 1)])
def test_an_audit_filter_reads_its_page_off_an_index_in_the_log_order(field, value):
    """The newest events of one system come off its index in order, however many newer events another
    system wrote (a walk down the time index filtering them took 0.4 s behind 590,000 import events)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: the planner would read it all
        plan = AuditEvent.objects.filter(**{field: value}).order_by("-created_at", "-id")[:26].explain()
    assert "Sort" not in plan and "Filter" not in plan, plan


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("filters", [{}, {"status": Award.ACCEPTED}], ids=["all", "one status"])
def test_the_awards_list_reads_its_page_off_an_index_in_its_order(filters):
    """The rules create thousands of awards in one run, all in the same second: the newest page comes off
    an index that ends with the id, not from sorting every award of that second (11 ms at 20,000)."""
    with connection.cursor() as cursor:
        # A near-empty table: the planner would read it all and sort; with neither allowed, a Sort left
        # in the plan means no index serves the order.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        plan = Award.objects.filter(**filters).order_by("-created_at", "-id")[:26].explain()
    assert "Sort" not in plan and "Filter" not in plan, plan


@pytest.mark.postgresql
@pytest.mark.django_db
def test_every_worklist_count_is_served_by_an_index(settings):
    """Each entry's count reads an index, never a table (the worklist counts them all on every page's badge)."""
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = "http://127.0.0.1:1/", "key"  # its last call is looked up
    scans = {}
    for entry in all_entries():
        sql, params = entry.rows.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # near-empty tables: the planner would read them
            cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) counted", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        if "Seq Scan" in plan:
            scans[entry.key] = plan
    assert scans == {}

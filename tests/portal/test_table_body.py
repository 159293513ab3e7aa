"""Every table of the portal draws its rows with portal/_table.html's tag exactly as django-tables2's own template
draws them: the same rows, attributes, escaping and empty text (only whitespace may differ)."""

import datetime
import re

import django_tables2 as tables
import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_tables2 import RequestConfig

from accreditation.selectors import awards_list
from accreditation.tables import AwardTable, TemplateTable
from enrolments.models import ReferenceItem
from enrolments.selectors import enrolment_list
from enrolments.tables import EnrolmentTable, LearnerPickTable, ReferenceItemTable
from portal.imports.models import LearnerImportRow
from portal.imports.selectors import import_list
from portal.imports.tables import LearnerImportRowTable, LearnerImportTable
from portal.models import AuditEvent, Job, Learner, Template
from portal.tables import AuditEventTable, JobTable, LearnerTable
from subscriptions.selectors import learner_groups, learner_subscriptions, subscriptions_list
from subscriptions.tables import LearnerGroupTable, LearnerSelectTable, SubscriptionListTable, SubscriptionTable
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory, FrameworkFactory
from tests.factories import AuditEventFactory, JobFactory, LearnerFactory, LearnerImportFactory
from tests.subscriptions.factories import LearnerGroupFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
SCRIPT = "<script>x</script>"
LIBRARY = "django_tables2/bootstrap5-responsive.html"


@pytest.fixture
def rows(db):
    """A few rows for every table, one learner with script in the name."""
    hostile = LearnerFactory(first_name=SCRIPT, last_name="O'Brien & <b>Sons</b>", company=SCRIPT)
    learners = [hostile, LearnerFactory(), LearnerFactory(custom1="19/39054148101")]
    for learner in learners:
        SubscriptionFactory(learner=learner)
        AwardFactory(learner=learner, message=SCRIPT)
        EnrolmentFactory(learner=learner, progress=42.5)
        AuditEventFactory(learner=learner, summary=SCRIPT, error=SCRIPT, http_status=502, duration_ms=31)
    JobFactory(title=SCRIPT, status="failed", total=10, done=3, finished_at=timezone.now())
    JobFactory()
    SubscriptionFactory(learner=hostile, active=True, knowledge_intake=0.5, start_date=datetime.date(2026, 3, 1),
                        results_refreshed_at=timezone.now())
    LearnerGroupFactory(name=SCRIPT).members.add(hostile)
    LearnerGroupFactory()
    learner_import = LearnerImportFactory()
    LearnerImportRow.objects.create(learner_import=learner_import, line=2, action=LearnerImportRow.NEW,
                                    values={"first_name": SCRIPT, "external_id": "X1"}, learner=hostile,
                                    errors=[{"column": "Email", "message": SCRIPT}])
    LearnerImportRow.objects.create(learner_import=learner_import, line=3, action=LearnerImportRow.SKIP, values={})
    LearnerImportFactory(file_name=SCRIPT, previewed_at=None, preview_job=JobFactory(status=Job.RUNNING))
    return hostile


def _tables(hostile):
    """Each table class of the project with its data as its page gives it."""
    return {
        LearnerTable: lambda: Learner.objects.order_by("pk"),
        AuditEventTable: lambda: AuditEvent.objects.select_related("learner", "course").order_by("pk"),
        LearnerImportRowTable: lambda: LearnerImportRow.objects.order_by("line"),
        LearnerImportTable: import_list,
        AwardTable: lambda: awards_list().order_by("pk"),
        TemplateTable: lambda: Template.objects.order_by("pk"),
        SubscriptionTable: lambda: learner_subscriptions(learner=hostile),
        SubscriptionListTable: lambda: subscriptions_list().order_by("pk"),
        LearnerSelectTable: lambda: Learner.objects.order_by("pk"),
        LearnerGroupTable: lambda: learner_groups().order_by("pk"),
        EnrolmentTable: lambda: enrolment_list().order_by("pk"),
        ReferenceItemTable: lambda: ReferenceItem.objects.order_by("pk"),
        LearnerPickTable: lambda: Learner.objects.order_by("pk"),
        JobTable: lambda: Job.objects.select_related("created_by").order_by("pk"),
    }


def _tbody(table_class, data, template_name, request):
    """The <tbody> of a new table (row classes count rows per table) drawn with ``template_name``."""
    table = table_class(data)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    table.template_name = template_name
    html = table.as_html(request)
    return " ".join(re.search(r"<tbody.*?</tbody>", html, re.S).group().split()).replace("> <", "><")


@pytest.fixture
def request_(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    return request


def _project_tables(cls=tables.Table):
    for sub in cls.__subclasses__():
        if sub.__module__.split(".")[0] in {"portal", "subscriptions", "accreditation", "enrolments"}:
            yield sub
        yield from _project_tables(sub)


def test_every_table_draws_its_rows_as_the_library_does(rows, request_):
    assert set(_tables(rows)) == set(_project_tables()), "a table of the project is not compared here"
    for table_class, data in _tables(rows).items():
        ours = _tbody(table_class, data(), "portal/_table.html", request_)
        assert ours == _tbody(table_class, data(), LIBRARY, request_), table_class.__name__
        assert ours.count("<tr ") >= 2, table_class.__name__
        assert SCRIPT not in ours, table_class.__name__


def test_script_in_a_learner_name_is_shown_as_text_and_rows_keep_their_attributes(rows, request_):
    tbody = _tbody(LearnerTable, Learner.objects.order_by("pk"), "portal/_table.html", request_)
    assert "&lt;script&gt;x&lt;/script&gt; O&#x27;Brien &amp; &lt;b&gt;Sons&lt;/b&gt;</a>" in tbody
    assert '<tr data-status="due" class="even">' in _tbody(AwardTable, awards_list(), "portal/_table.html", request_)


def test_an_empty_table_says_so_across_every_column(db, request_):
    for table_class in (LearnerTable, AuditEventTable, AwardTable):
        ours = _tbody(table_class, table_class._meta.model.objects.none(), "portal/_table.html", request_)
        assert ours == _tbody(table_class, table_class._meta.model.objects.none(), LIBRARY, request_)
        assert ours == (f'<tbody ><tr><td colspan="{len(table_class.base_columns)}">'
                        f"{table_class._meta.empty_text}</td></tr></tbody>")


class CellTable(tables.Table):
    """Attributes that depend on the cell (the table's and a column's), fixed ones, localized and unlocalized numbers."""

    name = tables.Column(attrs={"td": {"data-name": lambda value, record: f"{record['id']}:{value}",
                                       "class": lambda value: "long" if len(value) > 3 else None}})
    amount = tables.Column(localize=True)
    year = tables.Column(localize=False, attrs={"td": {"class": "year"}})
    note = tables.Column(attrs={"cell": {"title": lambda record: record["note"]}})

    class Meta:
        attrs = {"cell": {"class": "cell", "data-size": lambda value: len(str(value))}, "tbody": {"id": "body"}}
        row_attrs = {"data-id": lambda record: record["id"]}


def test_callable_td_attributes_are_computed_per_cell(request_, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    data = [{"id": 1, "name": "Ann", "amount": 12345, "year": 2026, "note": SCRIPT},
            {"id": 2, "name": "Bernadette", "amount": 7, "year": 1999, "note": '"quoted"'}]
    ours = _tbody(CellTable, data, "portal/_table.html", request_)
    assert ours == _tbody(CellTable, data, LIBRARY, request_)
    assert ours == (
        '<tbody id="body">'
        '<tr data-id="1" class="even"><td data-name="1:Ann">Ann</td><td class="cell" data-size="5">12,345</td>'
        '<td class="year">2026</td><td title="&lt;script&gt;x&lt;/script&gt;">&lt;script&gt;x&lt;/script&gt;</td></tr>'
        '<tr data-id="2" class="odd"><td data-name="2:Bernadette" class="long">Bernadette</td>'
        '<td class="cell" data-size="1">7</td><td class="year">1999</td>'
        '<td title="&quot;quoted&quot;">&quot;quoted&quot;</td></tr></tbody>')

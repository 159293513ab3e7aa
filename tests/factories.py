import factory
from django.utils import timezone
from django.contrib.auth.models import Group, User

from portal.models import Activity, AuditEvent, Course, Event, Job, Learner, LearnerImport, Template
from portal.roles import COORDINATOR_GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class CoordinatorFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"coordinator{n}")

    @factory.post_generation
    def coordinator_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=COORDINATOR_GROUP))


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    external_id = factory.Sequence(lambda n: f"L{n:05d}")
    login = factory.Sequence(lambda n: f"learner{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda o: f"{o.login}@example.org")


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    external_id = factory.Sequence(lambda n: f"TPL-{n:03d}")
    uid = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"Template {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    external_id = factory.Sequence(lambda n: f"COURSE-{n:03d}")
    uid = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"Course {n}")
    template = factory.SubFactory(TemplateFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    template = factory.SubFactory(TemplateFactory)
    external_id = factory.Sequence(lambda n: f"ACT-{n:03d}")
    uid = factory.Faker("uuid4")
    part_id = factory.Sequence(lambda n: 100 + n)
    name = factory.Sequence(lambda n: f"Activity {n}")
    type = "Lesson"
    sub_type = "Lesson"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    course = factory.SubFactory(CourseFactory)
    activity = factory.SubFactory(ActivityFactory, template=factory.SelfAttribute("..course.template"), type="Event", sub_type="Event")
    external_id = factory.Sequence(lambda n: f"EVT-{n:03d}")
    name = factory.Sequence(lambda n: f"Meeting {n}")
    date = factory.Faker("date_object")


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = "system"
    action = "learner.update"
    learner = factory.SubFactory(LearnerFactory)
    summary = "Changed email"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = "learner_import"
    title = "Import learners.csv"


class LearnerImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerImport

    file_name = "learners.csv"
    encoding = "utf-8"
    delimiter = ";"
    columns = ["FirstName", "LastName", "ExternalID"]
    counts = factory.LazyFunction(lambda: dict.fromkeys(LearnerImport.COUNT_KEYS, 0))
    previewed_at = factory.LazyFunction(timezone.now)

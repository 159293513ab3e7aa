import datetime

import factory
from django.utils import timezone

from enrolments.models import Enrolment, ReferenceItem
from tests.factories import LearnerFactory


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferenceItem

    list_name = ReferenceItem.FRAMEWORKS
    key = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"Framework {n}")
    data = factory.LazyFunction(lambda: {"qan": "601/2977/3", "units": []})
    synced_at = factory.LazyFunction(timezone.now)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    learner = factory.SubFactory(LearnerFactory)
    framework = factory.SubFactory(FrameworkFactory)
    candidate_uuid = factory.Faker("uuid4")
    start_date = datetime.date(2026, 1, 5)
    planned_end_date = datetime.date(2027, 1, 5)


import factory

from subscriptions.models import LearnerGroup, Subscription
from tests.factories import CourseFactory, LearnerFactory


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    learner = factory.SubFactory(LearnerFactory)
    course = factory.SubFactory(CourseFactory)


class LearnerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerGroup

    external_id = factory.Sequence(lambda n: f"GRP-{n:03d}")
    name = factory.Sequence(lambda n: f"Group {n}")

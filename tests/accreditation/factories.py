import factory

from accreditation.models import Award
from tests.factories import ActivityFactory, CourseFactory, LearnerFactory


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    learner = factory.SubFactory(LearnerFactory)
    org_id = 19
    person_number = "39054148101"
    trigger = Award.COMPLETION
    course = factory.SubFactory(CourseFactory)
    activity = factory.SubFactory(ActivityFactory, template=factory.SelfAttribute("..course.template"))
    pe_type = 3
    pe_course_id = factory.Sequence(lambda n: str(8000 + n))
    status = Award.DUE

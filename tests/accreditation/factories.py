import factory

from accreditation.models import AccreditationType, Award, TemplateAccreditation
from tests.factories import ActivityFactory, CourseFactory, LearnerFactory


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award
        skip_postgeneration_save = True

    learner = factory.SubFactory(LearnerFactory)
    org_id = 19
    person_number = "39054148101"
    trigger = Award.COMPLETION
    course = factory.SubFactory(CourseFactory)
    activity = factory.SubFactory(ActivityFactory, template=factory.SelfAttribute("..course.template"))
    pe_type = 3
    pe_course_id = factory.Sequence(lambda n: str(8000 + n))
    status = Award.DUE

    @factory.post_generation
    def template_basis(award, create, extracted, **kwargs):
        """The template awards on this award's trigger (the first award's), as only such awards are sent."""
        if create:
            TemplateAccreditation.objects.get_or_create(template_id=award.activity.template_id, defaults={
                "basis": award.trigger, "pe_course_id": award.pe_course_id,
                "type": (AccreditationType.EVENTS_PER_EVENT if award.trigger == Award.EVENT
                         else AccreditationType.EXPERTISE)})

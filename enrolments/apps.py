from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentsConfig(AppConfig):
    name = "enrolments"
    verbose_name = _("Learning Assistant enrolments")

    def ready(self):
        # Job handlers register on import; so do the Celery tasks.
        from enrolments import integration, services, tasks  # noqa: F401
        # The audit log's labels for this app's action codes.
        from enrolments import actions  # noqa: F401

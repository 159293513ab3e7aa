from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Training portal")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Registers the learner import's job handler, so Celery workers can run it.
        from portal import checks, receivers  # noqa: F401  (deploy checks; sign-ins and sign-outs are audited)
        from portal import security  # noqa: F401  (its check --deploy checks)
        from portal.imports import services  # noqa: F401
        from portal.db import audit_log_protect

        post_migrate.connect(audit_log_protect, sender=self)

        from django.conf import settings
        from django.core.signals import request_started

        from portal.jobs import local_runner

        if settings.CELERY_TASK_ALWAYS_EAGER and settings.JOBS_LOCAL_THREADS:  # no broker, no beat: see LocalRunner
            request_started.connect(local_runner.process_started, dispatch_uid="portal.jobs.local_runner")

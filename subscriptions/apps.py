from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("aNewSpring subscriptions")

    def ready(self):
        from portal.integrations import integration_register, result_provider_register
        # Job handlers (bulk subscribe, catalogue and group sync, learners push) register on import; so do the
        # Celery tasks.
        from subscriptions import selectors, tasks  # noqa: F401
        from subscriptions.integration import ANEWSPRING
        from subscriptions.services import catalogue, groups, learners, subscribe  # noqa: F401

        from portal.jobs import local_sweep_register

        integration_register(ANEWSPRING)
        local_sweep_register(tasks.webhook_sweep)
        result_provider_register(selectors.result_parts)
        # The audit log's labels for this app's action codes.
        from subscriptions import actions  # noqa: F401

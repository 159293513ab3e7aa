from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("aNewSpring subscriptions")

    def ready(self):
        # Job handlers (bulk subscribe, catalogue sync) register on import; so do the Celery tasks.
        from portal.integrations import result_provider_register
        from subscriptions import selectors, services, tasks  # noqa: F401

        result_provider_register(selectors.result_parts)

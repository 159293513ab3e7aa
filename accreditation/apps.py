from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = _("PE-online accreditation")

    def ready(self):
        from accreditation import events, receivers, services, tasks  # noqa: F401  (job handlers, tasks, receivers)
        from accreditation import actions  # noqa: F401  (the audit log's labels for this app's codes)
        from portal.integrations import Integration, integration_register

        integration_register(Integration(
            name="pe_online",
            label=_("PE-online"),
            is_configured=services.pe_online_configured,
            check_connection=services.pe_online_check_connection,
            url=lambda: settings.PE_ONLINE_URL,
            learner_panel=receivers.learner_awards_panel,
            worklist=receivers.awards_worklist,
        ))

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Installed only with DEBUG (and in the tests): gives ``manage.py demo``. Production never has it."""

    name = "sandbox"
    verbose_name = "Sandboxes (development only)"

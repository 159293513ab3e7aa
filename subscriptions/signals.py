"""The one hand-over from subscriptions to the accreditation rules.

``activity_results_changed`` is sent once per refresh that changed something, after the
refreshed results were committed, with ``sender=Subscription`` and the keyword arguments
``subscription`` and ``changed`` (the :class:`~subscriptions.models.ActivityResult` rows
that became completed, became passed or got another score). Receivers that call remote
systems should defer that work (``transaction.on_commit`` or a Celery task).
"""

from django.dispatch import Signal

activity_results_changed = Signal()

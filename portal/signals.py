"""Signals the shared domain sends, so apps react without portal importing them.

``pe_registrations_changed`` is sent with ``sender=PERegistration`` and ``learner_ids`` (a list)
whenever learners' PE registrations were written (learner form, CSV import), inside the writing
transaction: a receiver's own writes commit or roll back with the change.
"""

from django.dispatch import Signal

pe_registrations_changed = Signal()

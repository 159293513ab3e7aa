from django import template

from subscriptions.services.outcomes import OUTCOME_LABELS

register = template.Library()


@register.filter
def outcome_label(status: str) -> str:
    """A per-learner outcome's status as the job page shows it (translated when shown)."""
    return OUTCOME_LABELS.get(status, status)

"""What a PE ID may hold: PE-online's own number (ASCII digits) or the provider's code as registered in
PE-online. Other characters (spaces, other scripts' digits, symbols) would be sent as an external code
PE-online cannot match, or break the line."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_SIGNS = frozenset("0123456789-_.")


def validate_pe_id(value: str) -> None:
    if any(not (char in ALLOWED_SIGNS or char.isalpha()) for char in value):
        raise ValidationError(_("A PE ID holds only letters, digits 0-9, “-”, “_” and “.”: %(value)s"),
                              code="pe_id_characters", params={"value": value})


def validate_pe_ids(values) -> None:
    """A list of PE IDs (an event's meeting IDs)."""
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValidationError(_("PE IDs are a list of texts."), code="pe_id_list")
    for value in values:
        validate_pe_id(value)

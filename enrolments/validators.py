"""UK identifiers checked before anything is sent (API-NOTES, Learning Assistant)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

QAN_PATTERN = re.compile(r"\d{3}/\d{4}/[\dX]")
# Two letters (neither D, F, I, Q, U, V; the second not O), six digits, suffix A-D.
NI_PATTERN = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
NI_UNUSED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uln_is_valid(uln: str) -> bool:
    """10 digits, the first not 0, and sum(digit_i * (11 - i)) for i = 1..10 mod 11 == 10."""
    if not re.fullmatch(r"[1-9]\d{9}", uln):
        return False
    return sum(int(digit) * (10 - index) for index, digit in enumerate(uln)) % 11 == 10


def validate_uln(value: str) -> None:
    if not re.fullmatch(r"\d{10}", value):
        raise ValidationError(_("A ULN has 10 digits."), code="uln_format")
    if not uln_is_valid(value):
        raise ValidationError(_("%(uln)s is not a valid ULN: its check digit does not match.") % {"uln": value},
                              code="uln_check")


def validate_qan(value: str) -> None:
    if not QAN_PATTERN.fullmatch(value):
        raise ValidationError(_("%(qan)s is not a QAN (expected NNN/NNNN/C, e.g. 601/2977/3).") % {"qan": value},
                              code="qan_format")


def normalise_ni_number(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def validate_ni_number(value: str) -> None:
    if not NI_PATTERN.fullmatch(value) or value[:2] in NI_UNUSED_PREFIXES:
        raise ValidationError(_("%(ni)s is not a National Insurance number (two letters, six digits, A–D, "
                                "e.g. AB123456C).") % {"ni": value}, code="ni_format")

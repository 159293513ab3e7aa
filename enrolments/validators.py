"""UK identifiers checked before anything is sent (API-NOTES, Learning Assistant). Digits are ASCII
digits: ``\\d`` and ``str.isdigit()`` accept other scripts' digits too."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enrolments import client as la

# NNN/NNNN/C, or compact without the slashes (60129773, 6012977X).
QAN_PATTERN = re.compile(r"[0-9]{3}/?[0-9]{4}/?[0-9X]")
# Two letters (neither D, F, I, Q, U, V; the second not O), six digits, suffix A-D.
NI_SHAPE = re.compile(r"[A-Z]{2}[0-9]{6}[A-D]")
NI_PATTERN = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]")
NI_UNUSED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uln_is_valid(uln: str) -> bool:
    """10 digits, the first not 0, and sum(digit_i * (11 - i)) for i = 1..10 mod 11 == 10."""
    if not re.fullmatch(r"[1-9][0-9]{9}", uln):
        return False
    return sum(int(digit) * (10 - index) for index, digit in enumerate(uln)) % 11 == 10


def validate_uln(value: str) -> None:
    if not re.fullmatch(r"[0-9]{10}", value):
        raise ValidationError(_("A ULN has 10 digits."), code="uln_format")
    if not uln_is_valid(value):
        raise ValidationError(_("%(uln)s is not a valid ULN: its check digit does not match.") % {"uln": value},
                              code="uln_check")


def qan_warning(value: str) -> str:
    """A warning when a QAN is present and in no known notation; the enrolment goes by Course UUID anyway."""
    if not value or QAN_PATTERN.fullmatch(value):
        return ""
    return _("%(qan)s is not a QAN (expected NNN/NNNN/C, e.g. 601/2977/3): the enrolment is sent with the "
             "framework's Course UUID only.") % {"qan": value}


def normalise_gender(value: str) -> str:
    """One of Learning Assistant's gender values (client ASSUMPTIONS), or empty: the form and the bulk
    enrol never send a learner's own text."""
    text = (value or "").strip()
    if text in la.GENDERS:
        return text
    return la.GENDER_WORDS.get(text.lower(), "")


def normalise_ni_number(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def validate_ni_number(value: str) -> None:
    if not NI_SHAPE.fullmatch(value):
        raise ValidationError(_("%(ni)s is not a National Insurance number (two letters, six digits, A–D, "
                                "e.g. AB123456C).") % {"ni": value}, code="ni_format")
    # The shape is right: only the letters are never handed out, so the format needs no explaining.
    if not NI_PATTERN.fullmatch(value) or value[:2] in NI_UNUSED_PREFIXES:
        raise ValidationError(_("%(ni)s is not a National Insurance number: the prefix %(prefix)s is not issued.")
                              % {"ni": value, "prefix": value[:2]}, code="ni_prefix")

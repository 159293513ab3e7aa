"""PE-online learner numbers kept in aNewSpring's Custom1 field.

Custom1 holds ``OrgID/number`` pairs separated by commas, e.g. ``19/39054148101, 52/123456``.
With one configured default OrgID a bare number is accepted. The learner form and the CSV
import both call :func:`parse_custom1`, so the rules live only here.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.validators import ascii_digits

KIND_BIG = "big"
KIND_REGISTER = "register"

BIG_LENGTH = 11
_BIG_WEIGHTS = (6, 3, 7, 9, 10, 5, 8, 4, 2)
# ASCII digits only: "19/３９０５４..." (full-width) matched \d, was stored and sent to PE-online as another
# number than the person's own ASCII one (a second registration).
_PAIR = re.compile(r"^(?:(?P<org>\d{1,6})\s*/\s*)?(?P<number>\d{1,20})$", re.ASCII)


@dataclass(frozen=True)
class PENumber:
    org_id: int
    number: str

    @property
    def kind(self) -> str:
        return KIND_BIG if len(self.number) == BIG_LENGTH else KIND_REGISTER

    @property
    def check_digit_ok(self) -> bool | None:
        """None when the number is no BIG number and the check does not apply."""
        return big_check_digit_ok(self.number) if self.kind == KIND_BIG else None

    def __str__(self) -> str:
        return f"{self.org_id}/{self.number}"


@dataclass
class Custom1Result:
    numbers: list[PENumber] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def normalized(self) -> str:
        """The value written back to Custom1: always with OrgIDs, one space after each comma."""
        return ", ".join(str(n) for n in self.numbers)


def big_check_digit_ok(number: str) -> bool:
    """The community BIG-number check (API-NOTES): not officially published, so callers only warn."""
    if len(number) != BIG_LENGTH or not ascii_digits(number) or number[1] != "9":
        return False
    total = sum(int(d) * w for d, w in zip(number[2:], _BIG_WEIGHTS, strict=True))
    check = 11 - (9 + total) % 11
    check = {11: 0, 10: 1}.get(check, check)
    return int(number[0]) == check


def parse_custom1(value: str, *, default_org_id: int | None) -> Custom1Result:
    result = Custom1Result()
    seen: set[PENumber] = set()
    for raw in (value or "").split(","):
        item = raw.strip()
        if not item:
            continue
        match = _PAIR.match(item)
        if not match:
            result.errors.append(
                _("'%(item)s' is not OrgID/number (for example 19/39054148101).") % {"item": item}
            )
            continue
        org = match["org"]
        if org is None:
            if default_org_id is None:
                result.errors.append(
                    _("'%(item)s' has no OrgID; write it as OrgID/number.") % {"item": item}
                )
                continue
            org_id = default_org_id
        else:
            org_id = int(org)
        if org_id == 0:
            result.errors.append(_("'%(item)s': OrgID 0 does not exist.") % {"item": item})
            continue
        number = PENumber(org_id=org_id, number=match["number"])
        if number in seen:
            result.warnings.append(_("%(number)s is listed twice.") % {"number": number})
            continue
        seen.add(number)
        if number.check_digit_ok is False:
            result.warnings.append(
                _("%(number)s: the BIG number's check digit does not match; please check it.")
                % {"number": number}
            )
        result.numbers.append(number)
    return result

"""Numbers written one way on pages and in flash messages alike, in the user's language."""

from decimal import Decimal

from django.utils import formats


def percent(value) -> str:
    """A percentage with at most two decimals and none trailing: 72.5% (72,5% in Dutch), 80%."""
    number = round(Decimal(str(value)), 2)
    number = number.to_integral_value() if number == number.to_integral_value() else number.normalize()
    return f"{formats.number_format(number)}%"

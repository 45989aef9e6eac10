"""Small formatting filters of the plan pages."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, digits=0):
    """0.853 → "85%" (localised); None → "—": a rate with nothing expected is not 0 %."""
    if value is None or value == "":
        return "—"
    return f"{number_format(value * 100, int(digits))}%"

from django import template

from portal import formats

register = template.Library()
register.filter("percent", formats.percent)

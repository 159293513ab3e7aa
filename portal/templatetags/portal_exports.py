"""The Export CSV button of a list page: the page's filters, and the separator to split cells on."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.spreadsheet import export_separator

register = template.Library()

SEPARATOR_LABELS = {",": _("Comma (,)"), ";": _("Semicolon (;)")}


@register.inclusion_tag("portal/_export.html", takes_context=True)
def export_button(context, url_name: str, button_id: str = ""):
    request = context["request"]
    # The filters go along as they are; paging and the separator are the export's own.
    params = [(name, value) for name, values in request.GET.lists()
              if name not in {"separator", "page", "older", "newer"} for value in values]
    chosen = export_separator(request)
    return {"url": reverse(url_name), "params": params, "button_id": button_id,
            "separators": [(value, label, value == chosen) for value, label in SEPARATOR_LABELS.items()]}

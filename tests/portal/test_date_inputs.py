"""Every date input in the project carries an ISO value: in Dutch the localized 14-12-2026 is no value
to a browser's <input type="date">, which then shows an empty date."""

import inspect
from datetime import date
from importlib import import_module

import django_filters
from django import forms
from django.utils import translation

MODULES = ["portal.forms", "portal.filters", "subscriptions.forms", "subscriptions.filters", "enrolments.forms",
           "enrolments.filters", "accreditation.forms", "accreditation.filters", "accreditation.event_forms"]


def date_widgets():
    for module in map(import_module, MODULES):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                fields = {field_name: field.widget for field_name, field in cls.base_fields.items()}
            elif issubclass(cls, django_filters.FilterSet) and cls.__module__ == module.__name__:
                fields = {field_name: f.field.widget for field_name, f in cls.base_filters.items()}
            else:
                continue
            for field_name, widget in fields.items():
                if isinstance(widget, forms.DateInput) or getattr(widget, "input_type", "") == "date":
                    yield f"{module.__name__}.{name}.{field_name}", widget


def test_every_date_input_is_a_browser_date_picker_with_an_iso_value():
    widgets = dict(date_widgets())
    assert len(widgets) >= 10  # the subscribe, change-dates, completion, enrol, event and filter dates

    with translation.override("nl"):
        rendered = {name: widget.render("day", date(2026, 12, 14)) for name, widget in widgets.items()}

    wrong = {name: html for name, html in rendered.items()
             if 'type="date"' not in html or 'value="2026-12-14"' not in html}
    assert wrong == {}

"""Widgets shared by the apps' forms and filters."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-12-14), whatever the language: the browser
    shows the date in the user's own format, and reads nothing else (Dutch 14-12-2026 leaves it empty)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

"""Texts stored as a code plus parameters, rendered in the reader's language when shown.

A job's result is written by a worker, in no reader's language, and read later by coordinators in
Dutch or English. So a handler stores ``{"summary": <English>, "text": {"code", "params"}}`` (see
:func:`text_result`): the page renders the code in the reader's language (:func:`text_render`), the
English summary stays for the audit log (kept in English, as decided), the commands and results
stored before the codes existed.

Each code is registered with :func:`text_register` by a function ``render(**params) -> str`` that
uses gettext/ngettext; its parameters are the counts and names it shows.
"""

from collections.abc import Callable

from django.utils import translation
from django.utils.functional import Promise, lazy

_TEXTS: dict[str, Callable[..., str]] = {}


def text_register(code: str) -> Callable:
    def register(render: Callable[..., str]) -> Callable[..., str]:
        _TEXTS[code] = render
        return render

    return register


def texts_registered() -> dict[str, Callable[..., str]]:
    return dict(_TEXTS)


def text_result(code: str, **params) -> dict:
    """The ``summary`` (English) and ``text`` (code and parameters) of a job's result."""
    with translation.override("en"):
        summary = _TEXTS[code](**params)
    return {"summary": summary, "text": {"code": code, "params": params}}


def text_render(result: dict | None) -> str:
    """A result's summary in the active language; a result without a (known) code shows its stored summary."""
    result = result or {}
    text = result.get("text") or {}
    render = _TEXTS.get(text.get("code", ""))
    if render is None:
        return str(result.get("summary") or "")
    try:
        rendered = render(**text.get("params", {}))
    except (TypeError, KeyError, ValueError):  # stored by an older version of the code: its summary still reads
        return str(result.get("summary") or "")
    # A remote system's message added to the summary is shown as it came.
    return f"{rendered} {result['note']}" if result.get("note") else rendered


def text_later(render: Callable[[], str]) -> Promise:
    """``render()`` run when the text is used, in the language active then: a lazy text with plural forms
    (``ngettext`` inside ``render``), for an audit summary, which the log stores in English."""
    return lazy(render, str)()

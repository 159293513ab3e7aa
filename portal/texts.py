"""Texts stored as a code plus parameters, rendered in the reader's language when shown.

A job's result is written by a worker, in no reader's language, and read later by coordinators in
Dutch or English. So a handler stores ``{"summary": <English>, "text": {"code", "params"}}`` (see
:func:`text_result`): the page renders the code in the reader's language (:func:`text_render`), the
English summary stays for the audit log (kept in English, as decided), the commands and results
stored before the codes existed.

Each code is registered with :func:`text_register` by a function ``render(**params) -> str`` that
uses gettext/ngettext; its parameters are the counts and names it shows.

What is already stored as English text (audit summaries, award reasons, job titles) is shown in the
reader's language by :func:`stored_shown`, which recognises the texts of our catalogue in it.
"""

import functools
import re
import struct
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, ngettext

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


# --- English kept in a store, shown in the reader's language -----------------------------------------
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
# A text this short besides its placeholders ("%(a)s: %(b)s") would match almost anything.
_LITERAL_MIN = 6


def stored_shown(text: str) -> str:
    """``text`` as a store keeps it in English (an audit event's summary, an award's message; decided: the log
    stays English), in the active language: a line that is a text of our catalogue, or one filled in from a
    text with placeholders ("{name} signed in", "5 activity results changed"), is shown translated; any
    other line (a remote system's message, a name) as it is."""
    if not text or translation.get_language() in (None, "en"):
        return text
    return "\n".join(_line_shown(line) for line in str(text).split("\n"))


def _line_shown(line: str, nested: bool = True) -> str:
    if not line.strip():
        return line
    translated = gettext(line)
    if translated != line:
        return translated
    index = _patterns()
    for pattern, singular, plural in index.get(line[:4], []) + index.get("", []):
        if match := pattern.fullmatch(line):
            return _filled(singular, plural, match.groupdict(), nested) or line
    return line


def _filled(singular: str, plural: str | None, captured: dict, nested: bool) -> str:
    # A text filled into another ("Subscribe {5 learners} to ...") once more, no deeper.
    params = {name: int(value) if value.isdigit() else _line_shown(value, False) if nested else value
              for name, value in captured.items()}
    if plural:
        count = params.get("count", params.get("counter"))
        count = count if isinstance(count, int) else next((v for v in params.values() if isinstance(v, int)), 2)
        text = ngettext(singular, plural, count)
    else:
        text = gettext(singular)
    try:
        return text.format(**params) if "{" in singular else text % params
    except (KeyError, ValueError, TypeError, IndexError):
        return ""


@functools.cache
def _patterns() -> dict[str, list[tuple[re.Pattern, str, str | None]]]:
    """Every text of our catalogue with placeholders (each form of a plural one) as a pattern, by its first
    four characters ("" for those that start with a placeholder), so a line is tried against a few."""
    index: dict[str, list] = {}
    for path in settings.LOCALE_PATHS:  # the Dutch catalogue holds every msgid (English is the source)
        mo = Path(path) / "nl" / "LC_MESSAGES" / "django.mo"
        if not mo.exists():
            continue
        for msgid in _msgids(mo.read_bytes()):
            singular, _sep, plural = msgid.partition("\x00")
            plural = plural or None
            for form in filter(None, (singular, plural)):
                if not _PLACEHOLDER.search(form) or len(_PLACEHOLDER.sub("", form).strip()) < _LITERAL_MIN:
                    continue
                index.setdefault(_prefix(form), []).append((_regex(form), singular, plural))
    for patterns in index.values():  # "Changed {fields} of {name}" before "Changed {fields}"
        patterns.sort(key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)))
    return index


def _msgids(mo: bytes) -> list[str]:
    """The original texts of a compiled catalogue (a plural's as "singular\\0plural"), which gettext has no API for."""
    order = "<" if mo[:4] == b"\xde\x12\x04\x95" else ">"
    count, originals = struct.unpack(f"{order}4x4xII", mo[:16])
    texts = []
    for index in range(count):
        length, offset = struct.unpack(f"{order}II", mo[originals + 8 * index:originals + 8 * index + 8])
        texts.append(mo[offset:offset + length].decode())
    return texts


def _prefix(form: str) -> str:
    start = _PLACEHOLDER.search(form).start()
    return form[:4] if start >= 4 else ""


def _regex(form: str) -> re.Pattern:
    parts, seen, last = [], set(), 0
    for match in _PLACEHOLDER.finditer(form):
        parts.append(re.escape(form[last:match.start()]))
        name = match[1] or match[2]
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(form[last:]))
    return re.compile("".join(parts), re.DOTALL)

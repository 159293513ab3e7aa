"""Every text that shows a count has plural forms (ngettext), and each renders with 1 and 2 in both languages."""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import ngettext

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"

# A number placeholder followed by an English plural noun: "%(count)s learners", "{total} entries".
COUNTED = re.compile(r"(%\((?P<a>\w+)\)[ds]|\{(?P<b>\w+)\}) (?:\w+ )?(?P<noun>\w+s)\b")
COUNT_NAMES = re.compile(r"count|total|counter|added|removed|renamed|units|created|updated|new|update|expired|"
                         r"leftover|kept|read|failed|skipped|refreshed|changed|enrolled|subscribed|templates|courses")
NOT_NOUNS = {"is", "was", "has", "its", "this"}
# Counts that are limits (always many) or the learner import's texts (another team's slice: issue 22).
LEFT = {
    "Importing creates %(new)s and updates %(update)s learners.",
    "Deleted the stored files of %(expired)d uploads not checked within %(hours)d hours, and %(leftover)d pieces "
    "left by finished checks.",
    "The events of the first {count} learners found",
    "{read} of {total} answers read",
    "The first %(related_limit)s of %(event_count)s events.",
    "The first row names %(count)d columns; only the first %(max)d are read.",
    "The chain's head was moved back: it names event %(head)s of the chain as the last, but all %(count)s events "
    "are intact and follow one another.",
}


def _entries():
    """(msgid, msgid_plural or None, Dutch forms) of every entry of the Dutch catalogue."""
    entries, current, field = [], defaultdict(str), None
    for line in CATALOGUE.read_text().splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                forms = [current.get(f"msgstr[{n}]") for n in (0, 1)] if current.get("msgid_plural") else []
                entries.append((current["msgid"], current.get("msgid_plural"), forms))
            current, field = defaultdict(str), None
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
            field, _sep, rest = line.partition(" ")
            current[field] += _unquote(rest)
        elif line.startswith('"') and field:
            current[field] += _unquote(line)
    return entries


def _unquote(text: str) -> str:
    return text.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n")


def _in_use(msgid: str, python: set[str], templates: str) -> bool:
    """Translated by gettext (not as the plural of an ngettext) in the code, or in a template."""
    in_template = re.sub(r"%\((\w+)\)s", r"{{ \1 }}", msgid).replace("%%", "%")  # as blocktranslate has it
    return msgid.replace('"', '\\"') in python or in_template in templates


def _source(suffix: str) -> str:
    files = [p for folder in ("portal", "subscriptions", "enrolments", "accreditation", "templates")
             for p in (ROOT / folder).rglob(f"*{suffix}")]
    # Python's implicit concatenation of adjacent literals is joined, so a msgid split over lines is found.
    return "\n".join(re.sub(r'"\s*\n\s*"', "", p.read_text()) for p in files)


class _Every(dict):
    """Every placeholder is the count."""

    def __init__(self, count):
        super().__init__()
        self.count = count

    def __missing__(self, key):
        return self.count


def _render(singular, plural, count):
    text = ngettext(singular, plural, count)
    return text.format_map(_Every(count)) if "{" in text else text % _Every(count)


PLURALS = [entry for entry in _entries() if entry[1]]


@pytest.mark.parametrize(("singular", "plural", "forms"), PLURALS, ids=[s[:40] for s, _p, _f in PLURALS])
def test_every_plural_text_renders_with_1_and_2_in_both_languages(singular, plural, forms):
    assert all(forms), f"no Dutch for {singular!r}"
    shown = {}
    for language in ("en", "nl"):
        with translation.override(language):
            shown[language] = [_render(singular, plural, count) for count in (1, 2)]
        assert "2" in shown[language][1]  # "The award of this register" may leave out the 1
        assert shown[language][0] != shown[language][1]
    assert shown["nl"][1] == (forms[1].format_map(_Every(2)) if "{" in forms[1] else forms[1] % _Every(2))


def test_texts_in_use_that_show_a_count_have_plural_forms():
    python = set(re.findall(r'\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"', _source(".py")))
    templates = _source(".html")
    counted = []
    for msgid, plural, _forms in _entries():
        if plural or msgid in LEFT or not _in_use(msgid, python, templates):  # not in use: obsolete
            continue
        for hit in COUNTED.finditer(msgid):
            if COUNT_NAMES.fullmatch(hit["a"] or hit["b"] or "") and hit["noun"] not in NOT_NOUNS:
                counted.append(msgid)
                break
    assert not counted


def test_the_issues_examples_have_their_singular():
    with translation.override("nl"):
        assert ngettext("%(count)d learner", "%(count)d learners", 1) % {"count": 1} == "1 cursist"
        assert (ngettext("{count} activity result changed", "{count} activity results changed", 1).format(count=1)
                == "1 activiteitsresultaat gewijzigd")
    with translation.override("en"):
        assert (ngettext("{count} activity result changed", "{count} activity results changed", 1).format(count=1)
                == "1 activity result changed")

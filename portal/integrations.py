"""The remote systems the portal links to, each registered once by the app that speaks to it.

``portal`` is the ground floor and imports no other app of the project. Pages and commands that
span systems (the dashboard, ``check_connections``, the import's push option, job queues) read
this registry instead of naming apps; an app registers its :class:`Integration` in its
``AppConfig.ready``.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from portal.http import RemoteError


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection test found, said plainly for a coordinator or an operator."""

    ok: bool
    message: str


@dataclass(frozen=True)
class LearnerPanel:
    """A section an integration adds to the learner page: ``template_name`` is rendered with the
    page's context plus ``panel`` (this object), so the template reads ``panel.context``."""

    title: Any
    template_name: str
    context: dict


@dataclass(frozen=True)
class WorklistEntry:
    """One line of the worklist ("what needs my attention"): ``rows`` are the records needing attention,
    unevaluated (the worklist counts every entry's rows in one query); ``url`` opens them as a list."""

    key: str  # stable code, e.g. "awards.rejected"
    label: Callable[[int], str]  # the count in words (ngettext)
    rows: Any  # a QuerySet
    url: str
    permission: str  # who sees the entry
    severity: str = "warning"  # "danger", "warning" or "info" (Bootstrap's colours)


@dataclass(frozen=True)
class Integration:
    name: str  # stable code: the audit log's ``system`` and the Celery queue's name
    label: Any  # shown to people; may be a lazy translation
    is_configured: Callable[[], bool]
    # Calls the remote system once, harmlessly; never raises for a remote failure.
    check_connection: Callable[[], ConnectionCheck]
    # The address shown on the dashboard (never a secret).
    url: Callable[[], str] = lambda: ""
    # Optional hook: ``learners_imported(learner_ids=..., title=..., user=..., correlation_id=...)``
    # starts a job that brings imported learners to this system and returns it. The import offers
    # it as an option labelled ``learners_imported_label`` when the system is configured.
    learners_imported: Callable[..., Any] | None = None
    learners_imported_label: Any = ""
    # Optional hook: ``learner_panel(learner=..., user=...)`` returns a LearnerPanel for the learner
    # page, or None when this user may not see it.
    learner_panel: Callable[..., LearnerPanel | None] | None = None
    # Optional hook: ``describe_answers()`` calls the system's read-only operations and returns lines that
    # say how each answer was read (``check_connections --verbose``); may raise RemoteError.
    describe_answers: Callable[[], list[str]] | None = None
    # Optional hook: ``worklist()`` returns the WorklistEntry items this system adds to the worklist.
    worklist: Callable[[], list["WorklistEntry"]] | None = None

    @property
    def queue(self) -> str:
        return self.name


class NotConfigured(RemoteError):
    def __init__(self, integration: "Integration"):
        super().__init__(_("%(system)s is not configured.") % {"system": integration.label}, system=integration.name)


_registry: dict[str, Integration] = {}


def integration_register(integration: Integration) -> Integration:
    if _registry.get(integration.name, integration) != integration:
        raise ValueError(f"Integration {integration.name!r} is registered already")
    _registry[integration.name] = integration
    return integration


def integration_get(name: str) -> Integration:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No integration {name!r} is registered") from None


def integrations() -> Sequence[Integration]:
    """Every registered integration, in the order the apps were loaded."""
    return tuple(_registry.values())


def integration_require(name: str) -> Integration:
    """The integration, or :class:`NotConfigured` when its settings are missing."""
    integration = integration_get(name)
    if not integration.is_configured():
        raise NotConfigured(integration)
    return integration


def import_hooks() -> Sequence[Integration]:
    """Configured integrations that can take freshly imported learners."""
    return tuple(i for i in _registry.values() if i.learners_imported and i.is_configured())


# --- Stored results, app-neutral ------------------------------------------------------------
@dataclass(frozen=True)
class ResultPart:
    """A learner's result on one activity of one course, as whichever LMS app stores it."""

    learner_id: int
    course_id: int
    activity_id: int
    completed: bool
    passed: bool | None
    score: Any  # a Decimal percentage, or None
    completed_at: Any  # an aware datetime, or None


# Each callable yields the stored ResultParts of the given activity IDs (the LMS app registers it), so
# rules over results (PE-online awards) can run again without importing the app that stores them.
_result_providers: list[Callable[..., Iterable[ResultPart]]] = []


def result_provider_register(provider: Callable[..., Iterable[ResultPart]]) -> None:
    if provider not in _result_providers:
        _result_providers.append(provider)


def stored_results(*, activity_ids: Sequence[int]) -> Iterator[ResultPart]:
    for provider in _result_providers:
        yield from provider(activity_ids=activity_ids)



def learner_panels(*, learner, user) -> list[LearnerPanel]:
    """The sections the registered integrations add to a learner's page."""
    panels = (i.learner_panel(learner=learner, user=user) for i in _registry.values() if i.learner_panel)
    return [panel for panel in panels if panel is not None]


def worklist_entries() -> list[WorklistEntry]:
    """The worklist entries the registered integrations add."""
    return [entry for i in _registry.values() if i.worklist for entry in i.worklist()]

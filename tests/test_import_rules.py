"""The dependency rules of DESIGN.md, checked on every module's imports (read with ast, nothing run).

- ``portal`` imports no other app of the project;
- ``subscriptions``, ``accreditation`` and ``enrolments`` import ``portal`` and not one another,
  except another app's ``signals`` module (its public interface);
- nothing but ``sandbox`` itself, the tests and the benchmarks imports ``sandbox``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION_APPS = {"subscriptions", "accreditation", "enrolments"}
PROJECT_APPS = {"portal", "sandbox"} | INTEGRATION_APPS
# Production code: everything of the project but the sandboxes (and the tests, not walked here).
CHECKED = ["portal", *sorted(INTEGRATION_APPS), "bench"]


def imported_modules(module: str, source: str) -> list[tuple[int, str]]:
    """(line, dotted module) for every import of ``source``; ``from a import b`` counts as ``a.b``
    (b may be a module), relative imports are resolved against ``module``."""
    found = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def rule_breaks(module: str, source: str) -> list[str]:
    """What in ``source`` (the text of ``module``) breaks the rules, one line per import."""
    app = module.split(".")[0]
    breaks = []
    for line, target in imported_modules(module, source):
        parts = target.split(".")
        other = parts[0]
        if other not in PROJECT_APPS or other == app:
            continue
        if other == "sandbox" and app == "bench":
            continue  # benchmarks, like the tests, measure against the sandboxes
        if other == "sandbox":
            reason = "nothing imports sandbox"
        elif app == "portal":
            reason = "portal imports no other app"
        elif app in INTEGRATION_APPS and other in INTEGRATION_APPS and parts[1:2] != ["signals"]:
            reason = f"{app} may use only {other}.signals"
        else:
            continue
        breaks.append(f"{module}:{line} imports {target}: {reason}")
    return breaks


def project_modules():
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else []:
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def test_the_project_keeps_the_dependency_rules():
    modules = list(project_modules())
    assert any(name.startswith("portal.") for name, _path in modules)
    breaks = [b for name, path in modules for b in rule_breaks(name, path.read_text(encoding="utf-8"))]
    assert breaks == []


@pytest.mark.parametrize("module, source, expected", [
    ("portal.views", "from subscriptions.services import catalogue", "portal imports no other app"),
    ("portal.imports.forms", "import enrolments.models", "portal imports no other app"),
    ("portal.management.commands.demo", "from sandbox.server import serve", "nothing imports sandbox"),
    ("subscriptions.views", "from accreditation.models import Award", "subscriptions may use only accreditation"),
    ("accreditation.services", "from subscriptions import services", "accreditation may use only subscriptions"),
    ("enrolments.tasks", "from sandbox import anewspring", "nothing imports sandbox"),
    ("portal.imports.views", "from ...subscriptions import client", "portal imports no other app"),
])
def test_a_broken_rule_is_found(module, source, expected):
    breaks = rule_breaks(module, source)
    assert len(breaks) == 1 and expected in breaks[0]


@pytest.mark.parametrize("module, source", [
    ("accreditation.receivers", "from subscriptions.signals import activity_results_changed"),
    ("accreditation.apps", "from subscriptions import signals"),
    ("subscriptions.services.common", "from portal.audit import audit_record\nfrom . import outcomes"),
    ("subscriptions.views", "from subscriptions.services.results import subscription_refresh"),
    ("sandbox.demo", "from subscriptions.services.catalogue import catalogue_sync"),
])
def test_what_the_rules_allow_passes(module, source):
    assert rule_breaks(module, source) == []

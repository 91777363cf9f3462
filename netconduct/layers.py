"""The order of the house, written down once: every app may import only from apps on a lower floor.

    core ← org ← accounts ← notifications ← documents ← campaigns ← studies, pledges, registry, reports, selfcheck
         ← evidence ← webhooks ← api ← backup, ops ← home

- core: the ground floor (audit chain, crypto, files, exceptions, forms helpers, template tags); imports no app.
- org: the organisation tree, people, roster import, and access control: role grants and the one scoping function.
- accounts: logins, activation slips, second factor.
- notifications: in-app notifications, e-mail, group robots, deliveries and retries, the daily job. Domains pass
  their messages in and register their daily jobs; nothing here imports a domain app.
- documents: notices, norms, official-format output.
- campaigns: conveying documents to everyone in a scope, each person's progress, the campaign reminders.
- studies, pledges, registry, reports, selfcheck: the other domains, side by side; none imports another.
- evidence: the inspection evidence pack (检查材料包), gathered from the domains below into one sealed zip.
- api: the REST API (/api/v1/) over the domains' selectors and services, and its keys.
- webhooks: outgoing events; the domains announce them through core.events, this app records and sends them.
- backup, ops: operations, side by side. backup: backups and restores of the whole installation (and the jobs the
  product runs for itself live in notifications.schedule); ops: health and readiness probes, metrics, request ids
  and JSON logs.
- home: the top floor that gathers them all (home pages, navigation, audit log page, quickstart, the demo).

When a lower app must react to a higher one, the higher one registers a receiver or a callable in its
AppConfig.ready (people_changed, document readers, daily jobs, audit value labels); the lower one never imports it.
Imports inside functions count. Test code follows the same order; it may also use `netconduct.testing`, the shared
test helpers, which sit outside the apps like conftest.py. `netconduct.settings` (configuration) may be read by any.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("org",),
    ("accounts",),
    ("notifications",),
    ("documents",),
    ("campaigns",),
    ("studies", "pledges", "registry", "reports", "selfcheck"),
    ("evidence",),
    ("webhooks",),
    ("api",),
    ("backup", "ops"),
    ("home",),
)
FLOOR = {app: level for level, apps in enumerate(LAYERS) for app in apps}
OPEN_TO_ALL = frozenset({"settings"})  # configuration, not an app
OPEN_TO_TESTS = frozenset({"testing"})  # shared test helpers (like conftest.py, outside the apps)
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} (floor {FLOOR.get(self.importer)}) imports "
            f"{self.imported} (floor {FLOOR.get(self.imported, '?')})"
        )


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the tree, those inside functions included."""
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if name == "netconduct":  # from netconduct import org, testing
                for alias in node.names:
                    yield node.lineno, f"netconduct.{alias.name}"
            else:
                yield node.lineno, name


def check_source(
    source: str, *, module: str, path: str = "<string>", is_package: bool = False
) -> list[Violation]:
    """The imports in `source` (the module `module`, e.g. netconduct.org.views; `is_package` for an __init__.py)
    that run against the order."""
    parts = module.split(".")
    importer = parts[1]
    is_test = "tests" in parts or parts[-1] == "conftest"
    found = []
    for line, name in _imported_modules(ast.parse(source), module, is_package):
        target = name.split(".")
        if target[0] != "netconduct" or len(target) < 2 or target[1] == importer:
            continue
        imported = target[1]
        if imported in OPEN_TO_ALL or (is_test and imported in OPEN_TO_TESTS):
            continue
        if imported not in FLOOR or FLOOR[imported] >= FLOOR[importer]:
            found.append(Violation(path, line, importer, imported))
    return sorted(found, key=lambda v: v.line)


def app_directories(root: Path = PACKAGE) -> list[str]:
    """The package's apps: its subfolders with an apps.py."""
    return sorted(p.parent.name for p in root.glob("*/apps.py"))


def check_package(root: Path = PACKAGE) -> list[Violation]:
    violations: list[Violation] = []
    for app in app_directories(root):
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root.parent).with_suffix("")
            module = ".".join(relative.parts).removesuffix(".__init__")
            violations += check_source(
                path.read_text(encoding="utf-8"),
                module=module,
                path=str(relative),
                is_package=path.name == "__init__.py",
            )
    return violations

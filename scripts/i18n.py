"""The English catalogs: extract the strings of apps into their .po files, compile them, say what is missing.

    python scripts/i18n.py extract [APP ...]   # makemessages per app (xgettext needed: apt install gettext)
    python scripts/i18n.py compile [APP ...]   # .po -> .mo, in pure Python (netconduct/core/pofile.py)
    python scripts/i18n.py status [APP ...]    # untranslated and fuzzy entries per catalog
    python scripts/i18n.py todo APP            # the untranslated msgids of one catalog, as JSON
    python scripts/i18n.py apply APP FILE      # fill msgstrs from a JSON object {msgid: msgstr or [forms]}
    python scripts/i18n.py api-strings         # list the OpenAPI document's texts in api/docs_strings.py

APP is an app of netconduct (core, org, ...) or `project` (netconduct/templates and the project's own modules,
whose catalog is LOCALE_PATHS: netconduct/locale). No APP: every app that has a catalog, and the project.
Each app is extracted from inside its own folder and without settings: with settings, makemessages would send every
string to LOCALE_PATHS, whose parent folder holds every app.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "netconduct"
sys.path.insert(0, str(ROOT))

from netconduct.core import pofile  # noqa: E402

LANGUAGE = "en"
HEADER_FIXES = {
    '"Language: \\n"': f'"Language: {LANGUAGE}\\n"',
}


def app_dir(app: str) -> Path:
    return PACKAGE if app == "project" else PACKAGE / app


def po_path(app: str) -> Path:
    return app_dir(app) / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"


def apps_with_code() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))


def default_apps() -> list[str]:
    return [a for a in apps_with_code() if po_path(a).exists()] + ["project"]


def _fix_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition('msgid ""\nmsgstr ""\n')
    head = head.replace("#, fuzzy\n", "")
    for old, new in HEADER_FIXES.items():
        rest = rest.replace(old, new, 1)
    path.write_text(head + sep + rest, encoding="utf-8")


def extract(app: str) -> None:
    folder = app_dir(app)
    (folder / "locale").mkdir(exist_ok=True)
    ignore = ["tests", "migrations", "static", "locale"]
    if app == "project":
        ignore += apps_with_code()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    command = [
        str(
            Path(sys.executable).parent / "django-admin"
        ),  # not `python -m`: the app's folder would shadow modules
        "makemessages",
        "-l",
        LANGUAGE,
        "--no-obsolete",
        "--add-location=file",
        "--no-wrap",
        *[f"--ignore={pattern}" for pattern in ignore],
    ]
    subprocess.run(command, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    if not po_path(app).exists():  # nothing to translate in this app (no catalog is written)
        shutil.rmtree(folder / "locale", ignore_errors=True)
        return
    _fix_header(po_path(app))


def compile_(app: str) -> None:
    po = po_path(app)
    po.with_suffix(".mo").write_bytes(pofile.mo_bytes(pofile.parse(po)))


def missing(app: str) -> list[pofile.Entry]:
    return [e for e in pofile.parse(po_path(app)) if e.msgid and (e.fuzzy or not e.translated)]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def apply(app: str, source: Path) -> None:
    """Fill the msgstrs of the given msgids (and drop their fuzzy flag), keeping the file's layout otherwise."""
    translations = json.loads(source.read_text(encoding="utf-8"))
    po = po_path(app)
    entries = {e.key: e for e in pofile.parse(po)}
    unknown = [k for k in translations if k not in entries]
    if unknown:
        print(f"{app}: not in the catalog: {unknown[:10]}", file=sys.stderr)
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    out = []
    for block in blocks:
        parsed = pofile.parse_text(block) if block.strip() else []
        if len(parsed) != 1 or not parsed[0].msgid or parsed[0].key not in translations:
            out.append(block)
            continue
        entry = parsed[0]
        value = translations[entry.key]
        forms = value if isinstance(value, list) else [value]
        lines = []
        for line in block.splitlines():
            if line.startswith("#,"):
                flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    lines.append("#, " + ", ".join(flags))
                continue
            if line.startswith("#| "):
                continue
            if line.startswith("msgstr") or (
                lines and lines[-1].startswith("msgstr") and line.startswith('"')
            ):
                continue
            lines.append(line)
        if entry.msgid_plural is not None:
            if len(forms) == 1:
                forms = forms * 2
            lines += [f"msgstr[{i}] {_quote(f)}" for i, f in enumerate(forms)]
        else:
            lines.append(f"msgstr {_quote(forms[0])}")
        out.append("\n".join(lines))
    po.write_text("\n\n".join(out), encoding="utf-8")


def api_strings() -> None:
    """Write api/docs_strings.py: the OpenAPI document's texts as msgids, so that the documentation page (which
    shows them in the reader's language) has them in the api catalog. Run before `extract api`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netconduct.settings.test")
    import django

    django.setup()
    from netconduct.api.views import docs_strings

    lines = [
        '"""The texts of the OpenAPI document, for makemessages: the documentation page (api/views.py `docs`) shows',
        'them in the reader\'s language. Written by `python scripts/i18n.py api-strings`; do not edit."""',
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "STRINGS = [",
        *[f"    gettext_noop({json.dumps(text, ensure_ascii=False)})," for text in docs_strings()],
        "]",
        "",
    ]
    (PACKAGE / "api" / "docs_strings.py").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "api-strings":
        api_strings()
        return 0
    if not argv or argv[0] not in ("extract", "compile", "status", "todo", "apply"):
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == "todo":
        print(json.dumps({e.key: "" for e in missing(args[0])}, ensure_ascii=False, indent=1))
        return 0
    if command == "apply":
        apply(args[0], Path(args[1]))
        compile_(args[0])
        return 0
    apps = args or (apps_with_code() + ["project"] if command == "extract" else default_apps())
    status = 0
    for app in apps:
        if command == "extract":
            extract(app)
            if not po_path(app).exists():
                print(f"{app:15} nothing to translate")
                continue
            compile_(app)
        elif command == "compile":
            compile_(app)
        left = missing(app)
        total = sum(1 for e in pofile.parse(po_path(app)) if e.msgid)
        print(f"{app:15} {total:5} entries, {len(left):5} untranslated or fuzzy")
        status |= bool(left) and command == "status"
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

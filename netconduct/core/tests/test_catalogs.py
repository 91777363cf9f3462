"""The English catalogs: complete, compiled, and consistent with one another.

Every `locale/en/LC_MESSAGES/django.po` of the project (LOCALE_PATHS and each app) is checked: its .mo holds exactly
its translations (a .po edited without `scripts/i18n.py compile` fails), no entry is untranslated or fuzzy, the
placeholders of each translation are those of its msgid, and a msgid means the same in every catalog (Django merges
them all into one, so two translations of one msgid would leave one of them unused).
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from netconduct.core import pofile

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGS = sorted(PACKAGE.glob("**/locale/en/LC_MESSAGES/django.po"))
IDS = [str(p.relative_to(PACKAGE).parents[3]).replace(".", "project") for p in CATALOGS]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdif]|\{\w*\}")


def test_there_are_catalogs():
    assert PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po" in CATALOGS
    assert len(CATALOGS) > 1


@pytest.mark.parametrize("po", CATALOGS, ids=IDS)
def test_the_compiled_catalog_is_up_to_date(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run python scripts/i18n.py compile"
    with mo.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected = {}
    for key, value in pofile.compiled_catalog(pofile.parse(po)).items():
        if "\x00" in key:  # plural entries: gettext keys them (msgid, form)
            singular = key.split("\x00")[0]
            for index, form in enumerate(value.split("\x00")):
                expected[(singular, index)] = form
        else:
            expected[key] = value
    stale = {k for k in set(expected) | set(shipped) if expected.get(k) != shipped.get(k)}
    assert not stale, f"{mo} is stale ({len(stale)} entries differ): run python scripts/i18n.py compile"


@pytest.mark.parametrize("po", CATALOGS, ids=IDS)
def test_every_entry_is_translated(po: Path):
    entries = pofile.parse(po)
    assert entries and entries[0].msgid == "" and not entries[0].fuzzy, f"{po}: header missing or fuzzy"
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in entries[0].msgstr[0]
    bad = [f"line {e.line}: {e.msgid[:50]!r}" for e in entries[1:] if e.fuzzy or not e.translated]
    assert not bad, f"{po}: {len(bad)} untranslated or fuzzy entries:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("po", CATALOGS, ids=IDS)
def test_translations_keep_the_placeholders(po: Path):
    bad = []
    for entry in pofile.parse(po)[1:]:
        if not entry.translated:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for form in entry.msgstr:
            if sorted(PLACEHOLDER.findall(form)) != wanted and not (
                entry.msgid_plural is not None and form is entry.msgstr[0]
            ):
                bad.append(f"line {entry.line}: {entry.msgid[:40]!r} → {form[:40]!r}")
    assert not bad, f"{po}: placeholders differ:\n" + "\n".join(bad)


def test_a_msgid_has_one_translation_across_catalogs():
    seen: dict[str, tuple[str, Path]] = {}
    clashes = []
    for po in CATALOGS:
        for entry in pofile.parse(po)[1:]:
            if not entry.translated or entry.fuzzy:
                continue
            value = "\x00".join(entry.msgstr)
            key = entry.key + (
                "\x00" if entry.msgid_plural is not None else ""
            )  # gettext keeps the two apart
            if key in seen and seen[key][0] != value:
                other, where = seen[key]
                clashes.append(
                    f"{entry.key[:40]!r}: {value[:40]!r} ({po.relative_to(PACKAGE)}) vs "
                    f"{other[:40]!r} ({where.relative_to(PACKAGE)})"
                )
            seen.setdefault(key, (value, po))
    assert not clashes, (
        "the same msgid is translated differently (give one a context, or agree):\n" + "\n".join(clashes)
    )


def test_the_reader_and_writer_agree_with_gettext(tmp_path: Path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; '
        'plural=(n != 1);\\n"\n\nmsgid "首页"\nmsgstr "Home"\n\nmsgctxt "pledge"\nmsgid "签署"\nmsgstr "Sign"\n\n'
        'msgid "%(n)s 人"\nmsgid_plural "%(n)s 人"\nmsgstr[0] "%(n)s person"\nmsgstr[1] "%(n)s people"\n\n'
        '#, fuzzy\nmsgid "草稿"\nmsgstr "Draft"\n\nmsgid "多行"\n"文本"\nmsgstr ""\n"Multi"\n"line"\n',
        encoding="utf-8",
    )
    mo = tmp_path / "django.mo"
    mo.write_bytes(pofile.mo_bytes(pofile.parse(po)))
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.gettext("首页") == "Home"
    assert catalog.pgettext("pledge", "签署") == "Sign"
    assert catalog.ngettext("%(n)s 人", "%(n)s 人", 1) == "%(n)s person"
    assert catalog.ngettext("%(n)s 人", "%(n)s 人", 3) == "%(n)s people"
    assert catalog.gettext("草稿") == "草稿"  # fuzzy entries are not compiled
    assert catalog.gettext("多行文本") == "Multiline"

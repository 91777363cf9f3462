"""Reading gettext catalogs (.po) and writing their compiled form (.mo), without GNU gettext.

The catalogs' checks (core/tests/test_catalogs.py) and `scripts/i18n.py compile` use this, so neither CI nor a
translator needs msgfmt; Django reads the .mo files with Python's own gettext module.
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgstr: list[str] = field(default_factory=list)  # one string, or one per plural form
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key the compiled catalog uses: the context and the msgid joined by EOT."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text.startswith('"') else ""


def parse(path: Path) -> list[Entry]:
    """The entries of a .po file in order, the header (msgid "") included; obsolete (#~) entries are skipped."""
    return parse_text(path.read_text(encoding="utf-8"), str(path))


def parse_text(text: str, path: str = "<po>") -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if current is not None and target and target[0] == "msgstr":
                finish()
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or target[0] == "msgstr")):
            finish()
            current = Entry(msgid="", flags=flags, line=number)
            flags = set()
        if current is None:
            raise ValueError(f"{path}:{number}: unexpected {line[:40]!r}")
        if keyword == "msgctxt":
            current.msgctxt, target = _unquote(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = _unquote(rest), ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = _unquote(rest), ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstr, target = [_unquote(rest)], ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            current.msgstr.extend([""] * (index + 1 - len(current.msgstr)))
            current.msgstr[index], target = _unquote(rest), ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
        else:
            raise ValueError(f"{path}:{number}: cannot read {line[:40]!r}")
    finish()
    return entries


def compiled_catalog(entries: list[Entry]) -> dict[str, str]:
    """What msgfmt puts into the .mo: translated, non-fuzzy entries (and the header), keyed as gettext stores them."""
    catalog: dict[str, str] = {}
    for entry in entries:
        if entry.msgid and (entry.fuzzy or not entry.translated):
            continue
        key = entry.key + (f"\x00{entry.msgid_plural}" if entry.msgid_plural is not None else "")
        catalog[key] = "\x00".join(entry.msgstr)
    return catalog


def mo_bytes(entries: list[Entry]) -> bytes:
    """The .mo file of these entries (the layout of GNU msgfmt, without the optional hash table)."""
    catalog = compiled_catalog(entries)
    keys = sorted(catalog, key=lambda k: k.encode())
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode(), catalog[key].encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\x00"
        strs += v + b"\x00"
    count = len(keys)
    keystart = 7 * 4 + 16 * count
    valuestart = keystart + len(ids)
    table_k: list[int] = []
    table_v: list[int] = []
    for o1, l1, o2, l2 in offsets:
        table_k += [l1, o1 + keystart]
        table_v += [l2, o2 + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    return (
        header
        + struct.pack(f"{len(table_k)}i", *table_k)
        + struct.pack(f"{len(table_v)}i", *table_v)
        + ids
        + strs
    )

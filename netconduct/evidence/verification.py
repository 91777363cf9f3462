"""Whether an evidence pack is as it was sealed: the manifest's signature, every file listed there present with its
SHA-256, nothing added, and the summary's own seal. Used by `netconduct verify-pack`."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from netconduct.pledges import sealing

from . import signing

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
FORMAT = "netconduct-evidence-pack/1"


@dataclass
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}：{self.message}"


@dataclass
class PackCheck:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(name) as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_pack(source: str | Path | IO[bytes], *, extra_roots: tuple[Path, ...] = ()) -> PackCheck:
    """Check the pack at `source`. Every problem names the file it is about."""
    check = PackCheck()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        check.problems.append(Problem(str(source), f"不是有效的 zip 文件（{exc}）。"))
        return check
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                check.problems.append(Problem(name, "同名文件在包内出现了不止一次。"))
            seen.add(name)
        if MANIFEST not in seen:
            check.problems.append(Problem(MANIFEST, "缺少文件清单。"))
            return check
        manifest_bytes = archive.read(MANIFEST)
        if SIGNATURE not in seen:
            check.problems.append(Problem(SIGNATURE, "缺少清单的签名。"))
        else:
            why = signing.verify_manifest(
                manifest_bytes, archive.read(SIGNATURE), roots=signing.trust_roots(extra_roots)
            )
            if why:
                check.problems.append(Problem(SIGNATURE, why))
        try:
            manifest = json.loads(manifest_bytes)
            entries = {e["path"]: e for e in manifest["files"]}
        except (ValueError, KeyError, TypeError):
            check.problems.append(Problem(MANIFEST, "文件清单无法读取。"))
            return check
        check.manifest = manifest
        if manifest.get("format") != FORMAT:
            check.problems.append(
                Problem(MANIFEST, f"不是本平台的检查材料包清单（{manifest.get('format')}）。")
            )
        for path, entry in entries.items():
            if path not in seen:
                check.problems.append(Problem(path, "清单中列出的文件缺失（被删除）。"))
                continue
            digest, size = _sha256(archive, path)
            if digest != entry.get("sha256") or size != entry.get("size"):
                check.problems.append(Problem(path, "文件内容与清单不符（SHA-256 不一致，被改动）。"))
            check.files += 1
        for name in names:
            if name not in entries and name not in (MANIFEST, SIGNATURE):
                check.problems.append(Problem(name, "清单中没有此文件（被添加）。"))
        summary = manifest.get("summary", "")
        if summary in seen:
            result = sealing.verify_pdf(archive.read(summary))
            if not result.ok:
                check.problems.append(Problem(summary, f"汇总说明的电子签章无效：{result.message}"))
        else:
            check.problems.append(Problem(summary or "汇总说明", "缺少汇总说明。"))
    return check

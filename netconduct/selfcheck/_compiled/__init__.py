"""The self-check engine compiled by Cython, an optional accelerator: `engine.py` and `detectors.py` built as
`netconduct.selfcheck._compiled.engine` and `.detectors`, with the C types of `engine.pxd` and `detectors.pxd` (here)
for the few helpers that take a typed path of their own where `COMPILED` is true; nothing else differs.

    pip install 'Cython>=3.0' && python -m netconduct.selfcheck._compiled.build    # .ci/run does this

`netconduct.selfcheck.engine.Engine` is then the compiled class, as long as the build is of the sources as they are
(a digest of them is written beside the build; an edit without a rebuild falls back to the pure Python, with a
warning); `NETCONDUCT_SELFCHECK_PURE=1` keeps the pure Python. The pure Python stays the reference: the tests run
the engine's tests against both and compare their findings on the benchmark's corpora.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SOURCES = ("engine.py", "detectors.py")
HERE = Path(__file__).resolve().parent
# C types for the build, one "augmenting" .pxd per source, here (build.py puts each beside a copy of its source)
DECLARATIONS = tuple(name.removesuffix(".py") + ".pxd" for name in SOURCES)
DIGEST_FILE = HERE / "built_from.txt"


def source_digest() -> str:
    """SHA-256 of the sources the build compiles and of their declarations, as they are now."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((HERE.parent / name).read_bytes())
    for name in DECLARATIONS:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()


def is_current() -> bool:
    """Whether the compiled modules were built from the sources as they are now."""
    try:
        return DIGEST_FILE.read_text().strip() == source_digest()
    except OSError:
        return False

"""Compiles `engine.py` and `detectors.py` with Cython, in place, as `netconduct.selfcheck._compiled.engine` and
`.detectors` (typed by `engine.pxd` and `detectors.pxd`, here), and records the digest of the sources built (see `__init__.py`). Needs Cython (`pip install
'Cython>=3.0'`), a C compiler and Python's headers; .ci/run runs it after the install.

    python -m netconduct.selfcheck._compiled.build
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from netconduct.selfcheck._compiled import DECLARATIONS, DIGEST_FILE, HERE, SOURCES, source_digest


def main() -> int:
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    package = HERE.parent  # netconduct/selfcheck
    root = package.parents[1]  # where `netconduct/` is
    digest = source_digest()
    DIGEST_FILE.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Each source and its .pxd side by side, as the modules they become (netconduct/selfcheck/_compiled/engine.py
        # and engine.pxd …): where Cython looks for a module's declarations
        copies = Path(tmp) / "src" / "netconduct" / "selfcheck" / "_compiled"
        copies.mkdir(parents=True)
        for folder in (copies, copies.parent, copies.parent.parent):
            (folder / "__init__.py").touch()
        for name, declarations in zip(SOURCES, DECLARATIONS, strict=True):
            shutil.copyfile(package / name, copies / name)
            shutil.copyfile(HERE / declarations, copies / declarations)
        extensions = [
            Extension(f"netconduct.selfcheck._compiled.{name.removesuffix('.py')}", [str(copies / name)])
            for name in SOURCES
        ]
        modules = cythonize(
            extensions,
            build_dir=tmp,
            # where engine.pxd's cimport of the detectors finds detectors.pxd
            include_path=[str(Path(tmp) / "src")],
            compiler_directives={"language_level": 3, "annotation_typing": False},
            quiet=True,
            force=True,
        )
        cwd = os.getcwd()
        os.chdir(tmp)  # away from the project's pyproject.toml, which setup() would read
        try:
            setup(
                name="netconduct-selfcheck-compiled",
                ext_modules=modules,
                script_name="build.py",
                script_args=["-q", "build_ext", "--build-lib", str(root), "--build-temp", tmp],
            )
        finally:
            os.chdir(cwd)
    DIGEST_FILE.write_text(digest + "\n")
    print(f"compiled {', '.join(SOURCES)} into {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

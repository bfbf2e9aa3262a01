"""The layering is a contract a tool checks: ``lint-imports`` passes here and fails on a breach.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): api → tiles → geo →
address_normalizer, no HTTP below api, no import cycle between the parts of any package. The
second test proves the check has teeth: a copy of the sources with one forbidden import added
must be refused, naming the offending import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "api", "tiles", "address_normalizer", "sample_data", "bench")
LINT_IMPORTS = shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_sources(target: Path) -> None:
    """The Python sources and the contracts, without data: all grimp needs to build the graph."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=lambda _dir, names: [
                n for n in names if not n.endswith(".py") and "." in n and n != "py.typed"
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("geo/errors.py", "import api", "geo.errors -> api"),
        ("address_normalizer/text.py", "import geo", "address_normalizer.text -> geo"),
        ("geo/areas/levels.py", "import fastapi", "geo.areas.levels -> fastapi"),
        ("geo/crs/transform.py", "import geo.stores", "- .crs -> .stores"),
    ],
)
def test_a_forbidden_import_is_refused(tmp_path: Path, module: str, line: str, broken: str) -> None:
    _copy_sources(tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # added by the test: must break a contract\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout

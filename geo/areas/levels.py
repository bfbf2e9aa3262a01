"""The five levels of the governance hierarchy and the rules their codes follow.

Codes are strings of digits: a district has the 6-digit GB/T 2260 code, and each level below
adds three digits (street 9, community 12 = the statistical division code, grid 15 as in
Beijing's DB11 unit-grid code, micro-grid 18). A child's code starts with its parent's code.
"""

from __future__ import annotations

from enum import StrEnum

from geo.errors import InvalidInputError

__all__ = [
    "CODE_LENGTH",
    "LEVELS",
    "GridKind",
    "Level",
    "level_of_code",
    "parent_code_of",
    "validate_code",
]


class Level(StrEnum):
    """Levels, outermost first. The string values are the API's spelling."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    MICRO_GRID = "micro_grid"

    @property
    def depth(self) -> int:
        return LEVELS.index(self)

    @property
    def parent(self) -> Level | None:
        return LEVELS[self.depth - 1] if self.depth > 0 else None

    @property
    def child(self) -> Level | None:
        return LEVELS[self.depth + 1] if self.depth + 1 < len(LEVELS) else None

    @classmethod
    def parse(cls, value: str, *, field: str = "level") -> Level:
        """Parse a user-supplied level name, raising a message that lists the accepted ones."""
        try:
            return cls(value)
        except ValueError:
            accepted = ", ".join(level.value for level in LEVELS)
            raise InvalidInputError(
                f"unknown level {value!r}; accepted: {accepted}",
                field=field,
                kind="level_unknown",
                params={"value": str(value), "accepted": accepted},
            ) from None


class GridKind(StrEnum):
    """Kinds of grid: basic grids tile their community; dedicated ones are carved out of them."""

    BASIC = "basic"
    DEDICATED = "dedicated"


LEVELS: tuple[Level, ...] = tuple(Level)
CODE_LENGTH: dict[Level, int] = {
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
    Level.MICRO_GRID: 18,
}
_LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


def level_of_code(code: str, *, field: str = "code") -> Level:
    """The level a code belongs to, from its length.

    Examples
    --------
    >>> level_of_code("330402007024")
    <Level.COMMUNITY: 'community'>
    """
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        raise InvalidInputError(
            f"code must be a string of digits, got {code!r}",
            field=field,
            kind="code_not_digits",
            params={"value": str(code)[:40]},
        )
    level = _LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        lengths = "/".join(str(n) for n in CODE_LENGTH.values())
        raise InvalidInputError(
            f"code {code!r} has {len(code)} digits; area codes have {lengths}",
            field=field,
            kind="code_length",
            params={"code": code, "digits": len(code), "lengths": lengths},
        )
    return level


def parent_code_of(code: str) -> str | None:
    """The parent's code (the code less its last three digits); None for a district."""
    level = level_of_code(code)
    return None if level is Level.DISTRICT else code[:-3]


def validate_code(code: str, level: Level, parent_code: str | None, *, field: str = "code") -> None:
    """Check that a code fits its level and starts with its parent's code."""
    actual = level_of_code(code, field=field)
    if actual is not level:
        raise InvalidInputError(
            f"code {code!r} has {len(code)} digits but a {level.value} code has "
            f"{CODE_LENGTH[level]}",
            field=field,
            kind="code_level_mismatch",
            params={"code": code, "level": level.value, "digits": CODE_LENGTH[level]},
        )
    if level is Level.DISTRICT:
        if parent_code is not None and not code.startswith(parent_code):
            raise InvalidInputError(
                f"code {code!r} does not start with its parent's code {parent_code!r}",
                field=field,
                kind="code_parent_mismatch",
                params={"code": code, "parent": parent_code},
            )
        return
    if parent_code is None:
        raise InvalidInputError(
            f"a {level.value} needs a parent_code",
            field="parent_code",
            kind="parent_missing",
            params={"level": level.value},
        )
    if not code.startswith(parent_code) or len(parent_code) != len(code) - 3:
        raise InvalidInputError(
            f"code {code!r} does not start with its parent's code {parent_code!r}",
            field=field,
            kind="code_parent_mismatch",
            params={"code": code, "parent": parent_code},
        )

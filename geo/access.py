"""Roles and API keys: who may call what, and inside which part of the city.

A key is ``om_<id>_<secret>``: the id finds the row, the secret is checked against its SHA-256
digest with a constant-time comparison. Keys are 256-bit random, so a fast hash is safe here
(as for GitHub or Stripe tokens); the plain key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from geo.errors import InvalidInputError

__all__ = ["ApiKey", "Role", "hash_secret", "new_key", "split_key", "verify_secret"]

KEY_PREFIX = "om"


class Role(StrEnum):
    """Roles in increasing power: each may do everything the ones before it may."""

    VIEWER = "viewer"
    DISPATCHER = "dispatcher"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, value: str, *, field: str = "role") -> Role:
        try:
            return cls(value)
        except ValueError:
            accepted = ", ".join(r.value for r in Role)
            raise InvalidInputError(
                f"unknown role {value!r}; accepted: {accepted}", field=field
            ) from None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never its secret). ``scope`` is an area code whose subtree it may touch."""

    id: str
    name: str
    role: Role
    scope: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def covers(self, code: str) -> bool:
        """Whether an area code lies inside this key's scope (always, for an unscoped key)."""
        return self.scope is None or code.startswith(self.scope)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def verify_secret(secret: str, digest: str) -> bool:
    return secrets.compare_digest(hash_secret(secret), digest)


def new_key() -> tuple[str, str, str]:
    """A fresh key: ``(key id, secret, the full key to hand to the client)``."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, secret, f"{KEY_PREFIX}_{key_id}_{secret}"


def split_key(full_key: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a presented key, or None when it is not shaped like one."""
    parts = full_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]

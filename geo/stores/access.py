"""API keys and the audit log, shared by both backends (plain SQL, no spatial work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, func, insert, select, update

from geo.access import ApiKey, Role, hash_secret, new_key, split_key, verify_secret
from geo.clock import utc_now
from geo.errors import NotFoundError
from geo.paging import Page
from geo.stores.audit import write_audit
from geo.stores.schema import api_keys, audit_log

__all__ = ["AccessMixin", "AuditEntry"]


class AuditEntry(dict[str, Any]):
    """One audit row as a plain mapping (it is served as JSON as it is)."""


def _key_from_row(row: Row[Any]) -> ApiKey:
    return ApiKey(row.id, row.name, Role(row.role), row.scope, row.created_at, row.revoked_at)


class AccessMixin:
    """Key management and audit reads; mixed into :class:`geo.stores.base.Store`."""

    engine: Engine

    def create_key(
        self, *, name: str, role: Role, scope: str | None = None, actor: str = "onemap"
    ) -> tuple[ApiKey, str]:
        """Store a new key and return it with the full secret key (shown only this once)."""
        key_id, secret, full_key = new_key()
        now = utc_now()
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key_id,
                    name=name,
                    secret_hash=hash_secret(secret),
                    role=role.value,
                    scope=scope,
                    created_at=now,
                )
            )
            write_audit(
                conn,
                actor=actor,
                action="key.create",
                target=key_id,
                after={"name": name, "role": role.value, "scope": scope},
            )
        return ApiKey(key_id, name, role, scope, now), full_key

    def revoke_key(self, key_id: str, *, actor: str = "onemap") -> ApiKey:
        with self.engine.begin() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
            if row is None:
                raise NotFoundError(f"no API key with id {key_id!r}", field="key_id")
            if row.revoked_at is None:
                conn.execute(
                    update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=utc_now())
                )
                write_audit(conn, actor=actor, action="key.revoke", target=key_id,
                            before={"role": row.role, "scope": row.scope})  # fmt: skip
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
        return _key_from_row(row)

    def list_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
        return [_key_from_row(r) for r in rows]

    def authenticate(self, presented: str) -> ApiKey | None:
        """The active key matching a presented ``X-API-Key`` value, or None."""
        parts = split_key(presented)
        if parts is None:
            return None
        key_id, secret = parts
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None or row.revoked_at is not None or not verify_secret(secret, row.secret_hash):
            return None
        return _key_from_row(row)

    def list_audit(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        target: str | None = None,
        since: datetime | None = None,
    ) -> Page[AuditEntry]:
        """Audit entries, newest first."""
        stmt = select(audit_log)
        if target is not None:
            stmt = stmt.where(audit_log.c.target == target)
        if since is not None:
            stmt = stmt.where(audit_log.c.at >= since)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = conn.execute(
                stmt.order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
            ).all()
        items = [
            AuditEntry(
                id=r.id, at=r.at.isoformat(), actor=r.actor, key_id=r.key_id, action=r.action,
                target=r.target, changeset_id=r.changeset_id, before=r.before, after=r.after,
            )
            for r in rows
        ]  # fmt: skip
        return Page(items, int(total), limit, offset)

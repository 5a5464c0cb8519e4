"""Tenant scoping, enforced in one place.

Every tenant-owned model inherits :class:`TenantScoped`.  A session hook adds a filter on
``tenant_id`` to every ORM SELECT, UPDATE and DELETE, and refuses on flush any row whose tenant
lies outside the current scope.  The scope is set once per request (from the logged-in user), or
explicitly by CLI commands and sync jobs.  Without a scope, tenant tables cannot be read at all:
forgetting to scope fails loudly instead of leaking.

National reads (the ministry's dashboards, the public catalogue) opt out visibly, either for a
block (``with national_scope():``) or for one statement
(``select(...).execution_options(national=True)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables


class TenantScopeError(RuntimeError):
    """Raised when tenant data is touched without a scope, or outside it."""


@dataclass(frozen=True)
class Scope:
    """The tenants the current unit of work may touch; ``national`` means all of them."""

    tenant_ids: frozenset[int] = frozenset()
    national: bool = False

    def allows(self, tenant_id: int | None) -> bool:
        return self.national or (tenant_id is not None and tenant_id in self.tenant_ids)


_scope: ContextVar[Scope | None] = ContextVar("tenant_scope", default=None)


def current_scope() -> Scope | None:
    return _scope.get()


def set_scope(scope: Scope | None) -> object:
    """Set the scope for the rest of this context; returns a token for :func:`reset_scope`."""
    return _scope.set(scope)


def reset_scope(token: object) -> None:
    _scope.reset(token)  # type: ignore[arg-type]


@contextmanager
def using_scope(scope: Scope) -> Iterator[Scope]:
    """Run a block in the given scope."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


@contextmanager
def tenant_scope(tenant_ids: Iterable[int]) -> Iterator[Scope]:
    """Run a block scoped to the given tenants."""
    with using_scope(Scope(frozenset(tenant_ids))) as scope:
        yield scope


@contextmanager
def national_scope() -> Iterator[Scope]:
    """Run a block that may read and write every tenant's rows (ministry, CLI, sync ingest)."""
    with using_scope(Scope(national=True)) as scope:
        yield scope


class TenantScoped:
    """Mixin for tenant-owned rows: ``tenant_id`` not null, indexed, filtered by scope.

    A table whose own composite indexes lead with ``tenant_id`` sets ``_tenant_index =
    False``: a second index on it alone answers nothing more and costs every insert."""

    _tenant_index: ClassVar[bool] = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenant.id"), index=cls._tenant_index)


class OptionalTenantScoped:
    """Like :class:`TenantScoped` for rows that may belong to no tenant (ministry staff,
    national audit entries); such rows are visible in the national scope only."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("tenant.id"), index=True, nullable=True)


_SCOPED = (TenantScoped, OptionalTenantScoped)


def _scoped_entities(state: ORMExecuteState) -> bool:
    if any(issubclass(mapper.class_, _SCOPED) for mapper in state.all_mappers):
        return True
    # ``all_mappers`` lists the top level only: a count over ``select(Proposal).subquery()``
    # (what pagination runs) or a scoped subquery in a WHERE must be scoped too, so look at
    # every table the statement reads.
    if not state.is_select:
        return False
    scoped = _scoped_table_names(len(_registry().mappers))
    return any(getattr(t, "fullname", None) in scoped for t in find_tables(state.statement))


def _registry():
    from shared.db import Base

    return Base.registry


@lru_cache(maxsize=4)
def _scoped_table_names(mapper_count: int) -> frozenset[str]:
    """The tables of tenant-scoped models (recomputed if models are added)."""
    return frozenset(
        mapper.local_table.fullname
        for mapper in _registry().mappers
        if issubclass(mapper.class_, _SCOPED)
    )


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the parent statement propagate to these loads
    if state.execution_options.get("national"):
        return
    scope = _scope.get()
    if scope is not None and scope.national:
        return  # every tenant's rows: nothing to add (and the statement need not be walked)
    if not _scoped_entities(state):
        return
    if scope is None:
        raise TenantScopeError("tenant data queried without a tenant scope")
    ids = tuple(sorted(scope.tenant_ids))
    for mixin in _SCOPED:
        state.statement = state.statement.options(
            with_loader_criteria(mixin, lambda cls: cls.tenant_id.in_(ids), include_aliases=True)
        )


@event.listens_for(Session, "before_flush")
def _refuse_foreign_rows(session: Session, flush_context, instances) -> None:
    touched = [*session.new, *session.dirty, *session.deleted]
    scoped = [obj for obj in touched if isinstance(obj, _SCOPED)]
    if not scoped:
        return
    scope = _scope.get()
    if scope is None:
        raise TenantScopeError("tenant data written without a tenant scope")
    for obj in scoped:
        tenant_id = obj.tenant_id
        if tenant_id is None and getattr(obj, "tenant", None) is not None:
            tenant_id = obj.tenant.id  # set through the relationship, not yet synced to the FK
        if tenant_id is None and isinstance(obj, OptionalTenantScoped) and obj in session.new:
            continue  # a tenant-less row (ministry account, national audit entry) being created
        if not scope.allows(tenant_id):
            raise TenantScopeError(
                f"refusing to write {type(obj).__name__} of tenant {tenant_id} outside the scope"
            )

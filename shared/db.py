"""Database base: one typed declarative base with a constraint naming convention."""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base, disable_autonaming=True)


# Schema objects the database keeps for itself, outside the SQLAlchemy model (full-text search:
# SQLite's FTS5 table and its shadow tables, PostgreSQL's tsvector column and GIN index; see the
# catalogue migration).  Alembic's comparison and autogenerate leave them alone.
UNMANAGED_SCHEMA_NAMES: dict[str, tuple[str, ...]] = {
    "table": ("catalogue_fts",),
    "column": ("search_vector",),
    "index": ("ix_catalogue_text_fts", "ix_catalogue_entry_title_fts"),
}


def insert_on_conflict(table: sa.Table) -> Any:
    """``INSERT`` in the session's dialect, which knows ``ON CONFLICT`` (SQLite, PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def core_connection() -> sa.Connection:
    """The session's connection, for prebuilt Core reads that run on every request (no ORM
    statement handling, no tenant criteria: national tables or explicitly national reads).
    Pending ORM changes are flushed first, as an ORM read would."""
    if db.session.autoflush:
        db.session.flush()
    return db.session.connection()


def include_in_migrations(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic ``include_name`` hook: skip the objects listed in ``UNMANAGED_SCHEMA_NAMES``."""
    prefixes = UNMANAGED_SCHEMA_NAMES.get(type_, ())
    return not (name and prefixes and name.startswith(prefixes))


class PkMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# SQLite: a transaction that reads and later writes fails at once (SQLITE_BUSY_SNAPSHOT) when
# another connection wrote in between, whatever the busy timeout.  Writing requests and commands
# therefore open their transactions with BEGIN IMMEDIATE; reads stay deferred so they never queue.
sqlite_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default="DEFERRED")


def _is_sqlite(dbapi_connection: object) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


# Pages of 16 KB hold three or four proposals (4-6 KB of JSON each) where 4 KB pages, SQLite's
# default, spill every one into an overflow page: inserting the sync benchmark's documents
# in batches of 500 ran about twice as fast. It applies when a database file is created; an
# existing one keeps its page size.
SQLITE_PAGE_SIZE = 16384


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys, a busy timeout and explicit transactions on every SQLite connection."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # a new database only
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# A pooled server connection is pinged before use when it has rested in the pool this long;
# one returned more recently went out and came back without trouble moments ago (HikariCP's
# ``aliveBypassWindowMs``, 500 ms by default, does the same). Under load connections go out
# again within milliseconds, and SQLAlchemy's ``pool_pre_ping`` cost a round trip on every
# request, a tenth of a visitor's catalogue page. A connection the server dropped inside the
# window fails its request, and SQLAlchemy then replaces every pooled connection.
PING_BYPASS_SECONDS = 0.5
_RETURNED_AT = "sinovik_returned_at"


@event.listens_for(Pool, "checkin")
def _note_return(dbapi_connection, connection_record) -> None:
    connection_record.info[_RETURNED_AT] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_rested(dbapi_connection, connection_record, connection_proxy) -> None:
    """Pessimistic disconnect handling for server databases (SQLite is a local file): a
    connection that fails the ping is replaced before the request gets it."""
    returned = connection_record.info.get(_RETURNED_AT)
    if returned is None or time.monotonic() - returned < PING_BYPASS_SECONDS:
        return  # fresh from connect(), or back in the pool a moment ago
    if _is_sqlite(dbapi_connection):
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # the ping's implicit transaction is not the caller's
    except Exception as err:  # the driver's own error classes: any failure means replace it
        raise sa.exc.DisconnectionError(f"stale pooled connection: {err}") from err


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")

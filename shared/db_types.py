"""Column types shared by models."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

# A large JSON document that is stored and read whole, never queried inside: PostgreSQL's
# ``json`` keeps the text as written (a frozen revision keeps the bytes that were hashed) and
# only validates it on the way in, where ``jsonb`` would parse and rebuild it (several times
# the cost of storing a 4 KB proposal). SQLite stores JSON as text either way.
JSONDocument = sa.JSON()


def text_limits(table: sa.Table, names: Iterable[str]) -> dict[str, int]:
    """The most characters each of ``names`` holds (its text columns with a length): what
    forms, imports and sync ingest check before a database that enforces lengths refuses."""
    return {
        name: table.c[name].type.length
        for name in names
        if isinstance(table.c[name].type, sa.String) and table.c[name].type.length
    }


def str_enum(enum_cls: type, length: int = 24) -> sa.Enum:
    """A portable enum column stored as its string values (no native PG enum to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )

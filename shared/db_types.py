"""Column types shared by models."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

# A large JSON document that is stored and read whole, never queried inside: PostgreSQL's
# ``json`` keeps the text as written (a frozen revision keeps the bytes that were hashed) and
# only validates it on the way in, where ``jsonb`` would parse and rebuild it (several times
# the cost of storing a 4 KB proposal). SQLite stores JSON as text either way.
JSONDocument = sa.JSON()


def str_enum(enum_cls: type, length: int = 24) -> sa.Enum:
    """A portable enum column stored as its string values (no native PG enum to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )

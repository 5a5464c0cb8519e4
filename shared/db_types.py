"""Column types shared by models."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def str_enum(enum_cls: type, length: int = 24) -> sa.Enum:
    """A portable enum column stored as its string values (no native PG enum to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )

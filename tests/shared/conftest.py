from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import make_test_app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """The central app, on SQLite and (when configured) on PostgreSQL."""
    with make_test_app("central", request.param, tmp_path, request) as app:
        yield app

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import make_test_app


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """A regional node app on SQLite (what the nodes run)."""
    with make_test_app("regional", "sqlite", tmp_path, request) as app:
        yield app

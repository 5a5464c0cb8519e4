from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import make_test_app
from tests.proposal_support import open_window


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """A regional node app on SQLite (what the nodes run)."""
    with make_test_app("regional", "sqlite", tmp_path, request) as app:
        yield app


@pytest.fixture
def unit(factory, tenant):
    """A unit of the tenant."""
    return factory.unit(tenant, name="Dinas Kesehatan")


@pytest.fixture
def competition(factory):
    """The competition, its registration window open."""
    return open_window(factory)

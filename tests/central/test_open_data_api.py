"""Open data: a read-only JSON API with an OpenAPI document, pagination and rate limits."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from central.catalogue.services import refresh_entries
from tests import announce_factories as af


@pytest.fixture
def published(factory, tenant):
    comp = factory.competition()
    for i in range(5):
        af.proposal(factory, tenant, title=f"Inovasi Terbuka {i}")
    af.proposal(factory, tenant, title="Inovasi Juara", stage_code="final", award="top")
    af.set_publish(factory, comp.id, top99=af.past(), final=af.past())
    factory.run(refresh_entries, comp.id, actor=None)
    return comp


def test_openapi_document_is_valid_and_covers_every_route(client, app) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    documented = set(doc["paths"])
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == documented
    assert doc["servers"][0]["url"] == "http://localhost/api/v1"


def test_catalogue_pages_and_detail(client, published) -> None:
    page = client.get("/api/v1/catalogue?per_page=2&q=inovasi")
    assert page.status_code == 200
    assert page.headers["Access-Control-Allow-Origin"] == "*"
    data = page.get_json()
    assert (data["total"], data["pages"], data["page"], len(data["items"])) == (6, 3, 1, 2)
    assert data["links"]["prev"] is None and "page=2" in data["links"]["next"]
    assert "q=inovasi" in data["links"]["next"]
    item = data["items"][0]
    detail = client.get(f"/api/v1/catalogue/{item['uuid']}").get_json()
    assert detail["title"] == item["title"]
    assert detail["problem"].startswith("Masalah") and detail["contact"]["name"] == "Siti Aminah"
    assert detail["url"].endswith(f"/catalogue/{item['uuid']}")
    assert client.get("/api/v1/catalogue/not-a-uuid").status_code == 404
    assert client.get("/api/v1/catalogue/not-a-uuid").get_json()["error"]


def test_results_list_validation(client, published) -> None:
    bad = client.get("/api/v1/results?list=all")
    assert bad.status_code == 400 and bad.get_json()["field"] == "list"
    assert client.get("/api/v1/results?year=1999").status_code == 404
    data = client.get("/api/v1/results?per_page=4&page=2").get_json()
    assert (data["total"], data["pages"], len(data["items"])) == (6, 2, 2)
    assert data["published"] is True and data["publish_at"]


def test_rate_limit_answers_429_with_retry_after(client, published, app) -> None:
    app.config["API_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/v1/results").status_code == 200
    limited = client.get("/api/v1/catalogue")  # the limit is shared by the whole API
    assert limited.status_code == 429
    assert limited.get_json()["error"]
    assert int(limited.headers["Retry-After"]) > 0
    # the public site itself is not limited
    assert client.get("/catalogue").status_code == 200

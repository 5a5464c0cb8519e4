"""The OpenAPI 3.1 document of the open-data API (kept next to the views it describes; a test
checks that every API route is documented and that the document is valid)."""

from __future__ import annotations

from typing import Any

from shared.models.tenant import TenantKind
from shared.results import AWARD_ORDER


def _param(name: str, description: str, schema: dict[str, Any], required: bool = False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


PAGING = [
    _param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _param(
        "per_page",
        "Items per page.",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    ),
]
FILTERS = [
    _param(
        "kind",
        "Agency type.",
        {"type": "string", "enum": [k.value for k in TenantKind]},
    ),
    _param("province", "Official province code, e.g. 33 (Jawa Tengah).", {"type": "string"}),
    _param("category", "Category code of the competition year.", {"type": "string"}),
]
ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}


def _page_of(item_ref: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            **(extra or {}),
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
            "links": {
                "type": "object",
                "properties": {
                    "self": {"type": "string", "format": "uri"},
                    "next": {"type": ["string", "null"], "format": "uri"},
                    "prev": {"type": ["string", "null"], "format": "uri"},
                },
            },
        },
    }


CODE_NAME = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
}
NULLABLE_CODE_NAME = {"oneOf": [{"type": "null"}, CODE_NAME]}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The document, with this server's base URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SINOVIK open data",
            "version": "1.0.0",
            "description": (
                "Published results of Indonesia's Public Service Innovation Competition "
                "(KIPP, KemenPAN-RB) and the catalogue of its finalists and winners for "
                "replication. Read-only, no account needed; results appear only once "
                "published. Rate-limited per client address (HTTP 429 with Retry-After)."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/catalogue": {
                "get": {
                    "operationId": "searchCatalogue",
                    "summary": "Search the catalogue of finalists and winners",
                    "parameters": [
                        _param(
                            "q",
                            "Full-text search (prefix match on every word).",
                            {"type": "string"},
                        ),
                        _param("year", "Competition year.", {"type": "integer"}),
                        _param(
                            "award",
                            "Award code, or 'any'.",
                            {"type": "string", "enum": [*AWARD_ORDER, "any"]},
                        ),
                        _param(
                            "status",
                            "Replication status.",
                            {"type": "string", "enum": ["continuing", "stopped"]},
                        ),
                        *FILTERS,
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of catalogue entries.",
                            "content": {
                                "application/json": {
                                    "schema": _page_of("#/components/schemas/CatalogueEntry")
                                }
                            },
                        },
                        **ERRORS,
                    },
                }
            },
            "/catalogue/{uuid}": {
                "get": {
                    "operationId": "getCatalogueEntry",
                    "summary": "One catalogue entry with what is needed to replicate it",
                    "parameters": [
                        {
                            "name": "uuid",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The entry.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/CatalogueDetail"}
                                }
                            },
                        },
                        "404": {"$ref": "#/components/responses/NotFound"},
                        "429": ERRORS["429"],
                    },
                }
            },
            "/results": {
                "get": {
                    "operationId": "listResults",
                    "summary": "A published result list, alphabetical",
                    "parameters": [
                        _param(
                            "list",
                            "finalists (Top 99) or top (Top list and special awards).",
                            {
                                "type": "string",
                                "enum": ["finalists", "top"],
                                "default": "finalists",
                            },
                        ),
                        _param(
                            "year",
                            "Competition year (default: latest published).",
                            {"type": "integer"},
                        ),
                        *FILTERS,
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of the list; empty with published=false "
                            "before its publish time.",
                            "content": {
                                "application/json": {
                                    "schema": _page_of(
                                        "#/components/schemas/Result",
                                        {
                                            "year": {"type": "integer"},
                                            "list": {"type": "string"},
                                            "published": {"type": "boolean"},
                                            "publish_at": {
                                                "type": ["string", "null"],
                                                "format": "date-time",
                                            },
                                        },
                                    )
                                }
                            },
                        },
                        "404": {"$ref": "#/components/responses/NotFound"},
                        **ERRORS,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
        },
        "components": {
            "schemas": {
                "CodeName": CODE_NAME,
                "Result": {
                    "type": "object",
                    "properties": {
                        "uuid": {"type": "string"},
                        "title": {"type": "string"},
                        "year": {"type": "integer"},
                        "url": {
                            "type": ["string", "null"],
                            "format": "uri",
                            "description": "The catalogue entry, once it is in the catalogue.",
                        },
                        "agency": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                            },
                        },
                        "province": NULLABLE_CODE_NAME,
                        "category": CODE_NAME,
                        "group": CODE_NAME,
                        "award": NULLABLE_CODE_NAME,
                    },
                },
                "CatalogueEntry": {
                    "type": "object",
                    "properties": {
                        "uuid": {"type": "string"},
                        "title": {"type": "string"},
                        "year": {"type": "integer"},
                        "url": {"type": "string", "format": "uri"},
                        "agency": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
                        },
                        "province": NULLABLE_CODE_NAME,
                        "category": CODE_NAME,
                        "group": CODE_NAME,
                        "award": NULLABLE_CODE_NAME,
                        "stage": NULLABLE_CODE_NAME,
                        "status": {"type": "string", "enum": ["continuing", "stopped"]},
                        "status_updated_at": {"type": "string", "format": "date-time"},
                        "summary": {"type": "string"},
                        "replicates": {
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "properties": {
                                        "uuid": {"type": ["string", "null"]},
                                        "title": {"type": "string"},
                                    },
                                },
                            ]
                        },
                    },
                },
                "CatalogueDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CatalogueEntry"},
                        {
                            "type": "object",
                            "properties": {
                                "unit": {"type": "string"},
                                "innovator": {"type": "string"},
                                "sdgs": {"type": "array", "items": {"type": "integer"}},
                                "implementation_start": {
                                    "type": ["string", "null"],
                                    "format": "date",
                                },
                                "problem": {"type": "string"},
                                "solution": {"type": "string"},
                                "results": {"type": "string"},
                                "resources": {"type": "string"},
                                "adaptability": {"type": "string"},
                                "replication_summary": {"type": "string"},
                                "status_note": {"type": "string"},
                                "video_url": {"type": "string"},
                                "contact": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "phone": {"type": "string"},
                                        "email": {"type": "string"},
                                    },
                                },
                                "inspiration": {
                                    "oneOf": [
                                        {"type": "null"},
                                        {
                                            "type": "object",
                                            "properties": {
                                                "uuid": {"type": "string"},
                                                "title": {"type": "string"},
                                            },
                                        },
                                    ]
                                },
                                "replicated_by": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "uuid": {"type": "string"},
                                            "title": {"type": "string"},
                                            "year": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        },
                    ]
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "field": {"type": ["string", "null"]},
                    },
                },
            },
            "responses": {
                "BadRequest": {
                    "description": "A parameter is not valid.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "NotFound": {
                    "description": "Not found, or not published.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "TooManyRequests": {
                    "description": "Rate limit exceeded; see the Retry-After header.",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        },
    }

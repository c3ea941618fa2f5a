"""The OpenAPI description: what FastAPI cannot see because the routes read the request
themselves (the SPARQL Protocol's parameters and bodies, a named query's parameters) and every
status code a route really answers, so that clients and fuzzers can use ``/openapi.json``.

FastAPI documents a 422 for every route with a path parameter; a ``str`` path parameter never
fails validation, so those are taken out: a fuzzer reading the schema would otherwise expect
answers the server never gives.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sorakg.formats import OFFERS, Offer
from sorakg.sparql import catalogue

TEXT = {"text/plain": {"schema": {"type": "string"}}}

# Status codes each route answers besides 200, in addition to what the route declares itself.
STATUSES: dict[str, dict[int, str]] = {
    "/sparql": {
        303: "a browser's GET without a query: the query page",
        400: "the query or update does not parse, nests deeper than max_nesting, or a "
        "parameter is malformed (graph IRI, UTF-8)",
        401: "an update without the right bearer token",
        403: "update, SERVICE or LOAD refused by this endpoint's settings",
        405: "an update sent by GET",
        406: "no acceptable format",
        413: "request body over max_body_bytes",
        414: "query string over max_body_bytes",
        415: "unsupported POST content type",
        500: "an engine fault",
        503: "the query ran over query_timeout or its memory limit, or the workers are busy",
    },
    "/queries/{name}": {
        400: "a parameter is unknown, missing or malformed, or page/limit is not a whole "
        "number from 1, limit is over max_page_size, or the query is not paged",
        404: "no query of that name",
        406: "no acceptable format",
        500: "an engine fault",
        503: "the query ran over the time limit, or the workers are busy",
    },
    "/queries": {406: "no acceptable format"},
    "/download": {
        404: "no downloads in external-store mode",
        406: "no acceptable format",
        410: "the served release was deleted: restart the server",
        500: "the downloads could not be prepared",
        503: "the downloads are being prepared (Retry-After)",
    },
    "/download/{name}": {
        404: "no download of that name",
        410: "the served release was deleted: restart the server",
        500: "the downloads could not be prepared",
        503: "the downloads are being prepared (Retry-After)",
    },
    "/ontology": {406: "no acceptable format", 503: "the workers are busy"},
    "/labels.json": {500: "an engine fault", 503: "the workers are busy"},
    "/.well-known/void": {406: "no acceptable format"},
    "/{path}": {
        404: "no entity with this IRI",
        406: "no acceptable format",
        500: "an engine fault",
        503: "the query ran over the time limit, or the workers are busy",
    },
}


def _param(name: str, description: str, many: bool = False, where: str = "query") -> dict:
    schema: dict[str, Any] = {"type": "string"}
    if many:
        schema = {"type": "array", "items": {"type": "string"}}
    return {
        "name": name,
        "in": where,
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": True,
    }


GRAPH_PARAMS = [
    _param(
        "default-graph-uri",
        "a graph of the default graph (absolute IRI; repeatable); overrides the query's FROM",
        many=True,
    ),
    _param(
        "named-graph-uri",
        "a named graph GRAPH may use (absolute IRI; repeatable); overrides the query's FROM NAMED",
        many=True,
    ),
]
# the /sparql answers: results, triples and the service description
SPARQL_OFFERS: tuple[Offer, ...] = ("solutions", "graph", "description")
FORMAT_PARAM = _param(
    "format",
    "the answer's format by short name or media type ("
    + ", ".join(dict.fromkeys(f.name for offer in SPARQL_OFFERS for f in OFFERS[offer]))
    + "); wins over Accept",
)
QUERY_PARAM = _param("query", "a SPARQL 1.1 query; without it a GET gives the service description")


def _sparql(schema: dict[str, Any]) -> None:
    get = schema["paths"]["/sparql"]["get"]
    get["parameters"] = [QUERY_PARAM, *GRAPH_PARAMS, FORMAT_PARAM]
    post = schema["paths"]["/sparql"]["post"]
    post["parameters"] = [*GRAPH_PARAMS, FORMAT_PARAM]
    text = {"type": "string"}
    many = {"type": "array", "items": text}
    form = {
        "type": "object",
        "properties": {
            "query": text,
            "update": {**text, "description": "a SPARQL 1.1 Update (when enabled, with token)"},
            "default-graph-uri": many,
            "named-graph-uri": many,
            "format": text,
        },
    }
    post["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": form,
                "encoding": {
                    "default-graph-uri": {"explode": True},
                    "named-graph-uri": {"explode": True},
                },
            },
            "application/sparql-query": {"schema": text},
            "application/sparql-update": {"schema": text},
        },
    }
    media_types = sorted({f.media_type for offer in SPARQL_OFFERS for f in OFFERS[offer]})
    for operation in (get, post):
        operation["responses"]["200"]["content"] = {m: {"schema": text} for m in media_types}


def _page_params() -> list[dict[str, Any]]:
    """``page`` and ``limit``, naming the paged queries (the listings)."""
    paged = ", ".join(q.name for q in catalogue.list_queries() if q.page_size is not None)
    whole = {"type": "integer", "minimum": 1}
    return [
        {**_param("page", f"a paged query's page, from 1 (default 1); paged: {paged}"),
         "schema": whole},
        {**_param("limit", "items per page of a paged query, at most max_page_size "
                  "(default: the query's page_size)"), "schema": whole},
    ]  # fmt: skip


def _canned(schema: dict[str, Any]) -> None:
    """A named query's parameters: the union over the library (each is optional for some)."""
    operation = schema["paths"]["/queries/{name}"]["get"]
    described: dict[str, str] = {}
    for query in catalogue.list_queries():
        for parameter in query.parameters:
            described.setdefault(
                parameter.name, f"{parameter.description} ({parameter.kind}; query {query.name})"
            )
    operation["parameters"] = [
        *(p for p in operation.get("parameters", []) if p["in"] == "path"),
        FORMAT_PARAM,
        *_page_params(),
        *(_param(name, text) for name, text in sorted(described.items())),
    ]


def describe(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description of ``app``, completed (see the module's docstring)."""
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in STATUSES.get(path, {}).items():
                responses.setdefault(str(status), {"description": description, "content": TEXT})
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    if not schema.get("components", {}).get("schemas"):
        schema.pop("components", None)
    _sparql(schema)
    _canned(schema)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

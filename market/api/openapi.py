"""The OpenAPI 3 document of the read API, built from the same definitions the views serve
(the datasets' columns, the search filters), so it cannot drift from what is answered."""
from market.search.documents import KINDS
from market.transparency.datasets import DATASETS, TYPES

PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]
ERROR = {"type": "object", "required": ["error", "code"],
         "properties": {"error": {"type": "string", "description": "What went wrong, in the asker's language"},
                        "field": {"type": "string", "nullable": True, "description": "The parameter that was refused"},
                        "code": {"type": "string", "description": "A stable name of the rule that refused: "
                                 "compare this, never the words"}}}


def _responses(ok: dict, *, missing: bool = False, bad: bool = False) -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
                 "429": {"description": "Too many requests this minute; see Retry-After",
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    if bad:
        responses["400"] = {"description": "A parameter is not valid",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if missing:
        responses["404"] = {"description": "Not found",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return responses


def _paged(items: dict) -> dict:
    return {"type": "object", "required": ["page", "per_page", "total", "total_capped", "items"],
            "properties": {"page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
                           "total_capped": {"type": "boolean", "description": "There are more rows than `total`: "
                                            "counting stops there. Follow links.next to the end."},
                           "items": {"type": "array", "items": items},
                           "links": {"type": "object", "additionalProperties": {"type": "string"}}}}


def _row_schema(dataset) -> dict:
    properties = {}
    for column in dataset.columns:
        schema = dict(TYPES[column.type])
        if column.nullable:
            schema["nullable"] = True
        properties[column.name] = schema
    return {"type": "object", "required": [c.name for c in dataset.columns], "properties": properties,
            "additionalProperties": False}


def document(server_url: str) -> dict:
    paths = {
        "/api/search": {"get": {
            "summary": "Full-text search over public records (ranked hits)", "operationId": "search",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "description": "words, in simplified or traditional "
                 "characters or in pinyin; question words are left out, synonyms count; a part in quotes "
                 "(\"…\" or “…”) must appear as written",
                 "schema": {"type": "string", "maxLength": 100, "example": "老人助餐"}},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": sorted(KINDS)}},
                {"name": "category", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "district", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "street", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "community", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "status", "in": "query", "schema": {"type": "string", "maxLength": 20}},
                {"name": "grade", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
                *PAGE],
            "responses": _responses({"$ref": "#/components/schemas/SearchResults"}, bad=True)}},
        "/api/v1/datasets": {"get": {
            "summary": "The public datasets", "operationId": "datasets",
            "responses": _responses({"type": "array", "items": {"$ref": "#/components/schemas/DatasetInfo"}})}},
        "/api/audit/events": {"get": {
            "summary": "Public events of the hash-chained audit log, newest first", "operationId": "auditEvents",
            "parameters": PAGE,
            "responses": _responses({"allOf": [_paged({"$ref": "#/components/schemas/AuditEvent"}),
                                               {"type": "object", "properties": {"head": {
                                                   "$ref": "#/components/schemas/AuditHead"}}}]})}},
        "/api/ocds/releases.json": {"get": {
            "summary": "OCDS 1.1 release package of a page of contracting processes", "operationId": "ocdsReleases",
            "parameters": PAGE, "responses": _responses({"$ref": "#/components/schemas/OcdsPackage"})}},
        "/api/ocds/records.json": {"get": {
            "summary": "OCDS 1.1 record package (with compiled releases) of a page of processes",
            "operationId": "ocdsRecords", "parameters": PAGE,
            "responses": _responses({"$ref": "#/components/schemas/OcdsPackage"})}},
        "/api/ocds/records/{ocid}.json": {"get": {
            "summary": "One contracting process as an OCDS record package", "operationId": "ocdsRecord",
            "parameters": [{"name": "ocid", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": _responses({"$ref": "#/components/schemas/OcdsPackage"}, missing=True)}},
    }
    for dataset in DATASETS.values():
        paths[f"/api/v1/datasets/{dataset.name}"] = {"get": {
            "summary": str(dataset.title), "description": str(dataset.description),
            "operationId": "dataset_" + dataset.name.replace("-", "_"), "parameters": PAGE,
            "responses": _responses(_paged(_row_schema(dataset)))}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Market open data API", "version": "1",
                 "description": "Everything public on Market, read-only. Amounts are integer fen (0.01 yuan) except "
                                "in OCDS, which uses yuan. Without a token each address may make API_RATE_ANONYMOUS "
                                "requests a minute; with `Authorization: Bearer <token>` API_RATE_TOKEN."},
        "servers": [{"url": server_url}],
        "security": [{}, {"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "SearchResults": {"type": "object", "required": ["query", "total", "page", "per_page", "hits"],
                                  "properties": {"query": {"type": "string"}, "total": {"type": "integer"},
                                                 "total_capped": {"type": "boolean", "description":
                                                                  "more results than were counted (COUNT_LIMIT):"
                                                                  " total and facets are of the first ones"},
                                                 "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                                 "exact": {"type": "boolean", "description":
                                                           "whether the first hit holds every word asked for"},
                                                 "words": {"type": "array", "items": {"type": "string"},
                                                           "description": "the words matched, synonyms included"},
                                                 "left_out": {"type": "array", "items": {"type": "string"},
                                                              "description": "words of a long query past the "
                                                              "first six, not searched for"},
                                                 "facets": {"type": "object", "description":
                                                            "for kind, category, district, status and grade: how "
                                                            "many results have each value (ids for category and "
                                                            "district, grade 0 for none)",
                                                            "additionalProperties": {
                                                                "type": "object",
                                                                "additionalProperties": {"type": "integer"}}},
                                                 "hits": {"type": "array", "items": {
                                                     "type": "object", "required": ["kind", "id", "title", "score"],
                                                     "properties": {"kind": {"type": "string", "enum": sorted(KINDS)},
                                                                    "id": {"type": "integer"},
                                                                    "title": {"type": "string"},
                                                                    "score": {"type": "number"},
                                                                    "matched": {"type": "integer", "description":
                                                                                "how many of the query's words "
                                                                                "(with synonyms) it holds"},
                                                                    "url": {"type": "string"}}}}}},
                "DatasetInfo": {"type": "object", "required": ["name", "title", "url", "csv", "columns"],
                                "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                                               "description": {"type": "string"}, "url": {"type": "string"},
                                               "csv": {"type": "string"},
                                               "columns": {"type": "array", "items": {"type": "object"}}}},
                "AuditHead": {"type": "object", "nullable": True,
                              "properties": {"seq": {"type": "integer"}, "hash": {"type": "string"}}},
                "AuditEvent": {"type": "object",
                               "required": ["seq", "at", "action", "subject_type", "subject_id", "payload",
                                            "prev_hash", "hash"],
                               "properties": {"seq": {"type": "integer"}, "at": {"type": "string"},
                                              "action": {"type": "string"}, "subject_type": {"type": "string"},
                                              "subject_id": {"type": "integer"},
                                              "actor_id": {"type": "integer", "nullable": True},
                                              "public": {"type": "boolean"}, "payload": {"type": "string"},
                                              "prev_hash": {"type": "string"}, "hash": {"type": "string"}}},
                "OcdsPackage": {"type": "object", "required": ["uri", "version", "publishedDate", "publisher"],
                                "description": "Valid against the OCDS 1.1.5 release or record package schema"},
            }},
    }

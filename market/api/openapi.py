"""The OpenAPI 3 document of the read API, built from the same definitions the views serve
(the datasets' columns, the search filters), so it cannot drift from what is answered."""
from market.grid.categories import CATEGORIES, URGENCIES
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


def _open311_answer(ok: dict, *, missing: bool = False, status: str = "200") -> dict:
    """Open311's answers: its own shapes, and its errors as a list of {code, description}."""
    errors = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Open311Errors"}}}}
    responses = {status: {"description": "OK", "content": {"application/json": {"schema": ok}}},
                 "400": {"description": "A parameter is not valid", **errors},
                 "429": {"description": "Too many requests this minute", **errors}}
    if missing:
        responses["404"] = {"description": "Not found", **errors}
    return responses


def _open311() -> dict:
    """Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the grid ledger, described in
    its JSON form; each path answers XML as well with .xml in place of .json (the standard's default)."""
    request = {"$ref": "#/components/schemas/Open311Request"}
    code = {"name": "service_code", "in": "path", "required": True,
            "schema": {"type": "string", "enum": sorted(CATEGORIES)}}
    filters = [
        {"name": "service_request_id", "in": "query", "description": "ids separated by commas; the other filters "
         "then do not apply", "schema": {"type": "string", "example": "1,2"}},
        {"name": "service_code", "in": "query", "schema": {"type": "string", "example": "sanitation"}},
        {"name": "start_date", "in": "query", "description": "W3C date and time; without dates, the last 90 days",
         "schema": {"type": "string", "example": "2026-11-01T00:00:00+08:00"}},
        {"name": "end_date", "in": "query", "schema": {"type": "string", "example": "2026-11-30T23:59:59+08:00"}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "closed"]}},
    ]
    form = {"type": "object", "required": ["api_key", "service_code"], "properties": {
        "api_key": {"type": "string", "description": "a Market API token of a verified resident (their own problem) "
                    "or of a grid leader's, building leader's or community worker's app"},
        "service_code": {"type": "string", "enum": sorted(CATEGORIES)},
        "jurisdiction_id": {"type": "string", "description": "the community's id, for a key whose owner serves "
                            "several communities"},
        "lat": {"type": "number"}, "long": {"type": "number"},
        "address_string": {"type": "string", "description": "required without lat and long"},
        "description": {"type": "string", "description": "its first line (80 characters) is the problem's summary"},
        "attribute[urgency]": {"type": "string", "enum": sorted(URGENCIES)},
        "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "phone": {"type": "string", "description": "kept private, deleted after the retention period"}}}
    return {
        "/open311/v2/discovery.json": {"get": {
            "summary": "Open311: where the service is and what it speaks", "operationId": "open311_discovery",
            "responses": _open311_answer({"type": "object", "required": ["endpoints"]})}},
        "/open311/v2/services.json": {"get": {
            "summary": "Open311: the services (the grid ledger's categories)", "operationId": "open311_services",
            "responses": _open311_answer({"type": "array", "items": {"$ref": "#/components/schemas/Open311Service"}})}},
        "/open311/v2/services/{service_code}.json": {"get": {
            "summary": "Open311: a service's definition (its attributes)", "operationId": "open311_service",
            "parameters": [code], "responses": _open311_answer(
                {"type": "object", "required": ["service_code", "attributes"]}, missing=True)}},
        "/open311/v2/requests.json": {
            "get": {"summary": "Open311: service requests, newest first (at most 1,000)",
                    "operationId": "open311_requests", "parameters": filters,
                    "responses": _open311_answer({"type": "array", "items": request})},
            "post": {"summary": "Open311: report a problem", "operationId": "open311_create",
                     "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                         "schema": form}}},
                     "responses": {**_open311_answer({"type": "array", "items": {"type": "object", "required": [
                         "service_request_id"]}}, status="201"), "403": {
                         "description": "No valid api_key, or its owner may not report here", "content": {
                             "application/json": {"schema": {"$ref": "#/components/schemas/Open311Errors"}}}}}}},
        "/open311/v2/requests/{service_request_id}.json": {"get": {
            "summary": "Open311: one service request", "operationId": "open311_request",
            "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": _open311_answer({"type": "array", "items": request}, missing=True)}},
    }


OPEN311_SCHEMAS = {
    "Open311Errors": {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                                 "properties": {"code": {"type": "integer"},
                                                                "description": {"type": "string"}}}},
    "Open311Service": {"type": "object", "required": ["service_code", "service_name", "metadata", "type"],
                       "properties": {"service_code": {"type": "string"}, "service_name": {"type": "string"},
                                      "description": {"type": "string"}, "metadata": {"type": "boolean"},
                                      "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                                      "keywords": {"type": "string"}, "group": {"type": "string"}}},
    "Open311Request": {"type": "object", "required": ["service_request_id", "status", "requested_datetime"],
                       "properties": {
                           "service_request_id": {"type": "string"},
                           "status": {"type": "string", "enum": ["open", "closed"]},
                           "status_notes": {"type": "string"}, "service_name": {"type": "string"},
                           "service_code": {"type": "string"}, "description": {"type": "string"},
                           "agency_responsible": {"type": "string"}, "service_notice": {"type": "string"},
                           "requested_datetime": {"type": "string", "format": "date-time"},
                           "updated_datetime": {"type": "string", "format": "date-time"},
                           "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
                           "address": {"type": "string"}, "address_id": {"type": "string"},
                           "zipcode": {"type": "string"}, "lat": {"type": "number", "nullable": True},
                           "long": {"type": "number", "nullable": True}, "media_url": {"type": "string"}},
                       "additionalProperties": False},
}


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
    paths.update(_open311())
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
                **OPEN311_SCHEMAS,
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

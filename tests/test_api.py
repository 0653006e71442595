"""The read API and the transparency portal: a property-based run over the OpenAPI document (every
operation, generated parameters, no server error, every answer valid against its declared schema);
tokens and rate limits on the injected clock; datasets as pages, CSV and JSON with nothing private."""
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from sqlalchemy import func, select

from market.api.models import ApiToken
from market.core.unit import command
from market.extensions import db
from market.transparency.datasets import DATASETS
from tests.factories import SECRET, bid, published_tender


def json_schema(schema):
    """OpenAPI 3.0's schema dialect as JSON Schema: `nullable` becomes a null type."""
    if isinstance(schema, list):
        return [json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def value_for(schema):
    """Values a client could send for a parameter: valid ones and a good share of wrong ones."""
    kind = schema.get("type")
    wrong = st.one_of(st.text(max_size=30), st.sampled_from(["", "-1", "0", "1e9", "99999999999999999999", "%00",
                                                              "' OR 1=1 --", "<script>", "养老", "null"]))
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), wrong)
    if kind == "integer":
        return st.one_of(st.integers(min_value=-5, max_value=2**40).map(str), wrong)
    examples = st.sampled_from([schema["example"]]) if "example" in schema else st.nothing()
    return st.one_of(examples, st.text(max_size=120), wrong)


@pytest.fixture
def demo(app, demo_seeded):
    app.config["API_RATE_ANONYMOUS"] = 10**9  # the property run is not about limits
    yield
    app.config["API_RATE_ANONYMOUS"] = 60


def operations(document):
    for path, item in sorted(document["paths"].items()):
        for method, operation in item.items():
            yield path, method, operation


@pytest.fixture
def search_index(app, whoosh):
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0


def _run_operation(client, components, seen, path, method, operation):
    """Hypothesis on one operation of the document: every answer is one the document declares."""
    parameters = operation.get("parameters", [])
    responses = operation["responses"]

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.fixed_dictionaries({}, optional={p["name"]: value_for(p["schema"]) for p in parameters}))
    def call(values):
        url = path
        query = {}
        for parameter in parameters:
            value = values.get(parameter["name"])
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", value or "x")
            elif value is not None:
                query[parameter["name"]] = value
        response = client.open(url, method=method.upper(), query_string=query)
        status = str(response.status_code)
        assert response.status_code < 500, (url, query, response.get_data(as_text=True)[:300])
        assert status in responses or response.status_code == 404 and "{" in path, (url, query, status)
        body = response.get_json()
        schema = json_schema(responses[status]["content"]["application/json"]["schema"]) if status in responses \
            else {"$ref": "#/components/schemas/Error"}
        Draft7Validator({**schema, "components": components}).validate(body)
        seen.setdefault(path, set()).add(response.status_code)

    call()


def test_property_based_run_over_the_openapi_document(app, demo, search_index):
    client = app.test_client()
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.0") and len(document["paths"]) == 6 + 5 + len(DATASETS)  # + Open311
    components = json_schema(document["components"])
    seen = {}

    for path, method, operation in operations(document):
        _run_operation(client, components, seen, path, method, operation)
    # Every operation answered, and the generated inputs did reach the error answers too.
    assert set(seen) == {p for p, _m, _o in operations(document)}
    assert 400 in seen["/api/search"] and 200 in seen["/api/search"]
    assert all(200 in codes for path, codes in seen.items() if "{" not in path)


def test_rate_limits_count_per_caller_per_minute_and_tokens_lift_them(app, frozen, make_user, client, login):
    app.config["API_RATE_ANONYMOUS"], app.config["API_RATE_TOKEN"] = 3, 5
    try:
        first = [client.get("/api/v1/datasets").status_code for _ in range(3)]
        refused = client.get("/api/v1/datasets")
        assert first == [200, 200, 200] and refused.status_code == 429
        assert refused.headers["Retry-After"] and refused.get_json()["error"].startswith("请求过于频繁")
        other = app.test_client().get("/api/v1/datasets", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200 and other.headers["X-RateLimit-Remaining"] == "2"
        # A token: its own, larger allowance.
        uid = make_user("dev@example.cn", "开发者")
        login("dev@example.cn")
        page = client.submit("/account/api-tokens", {"name": "区大数据局对接"})
        token = page.get_data(as_text=True).split('data-test="new-token"')[1].split("<code>")[1].split("</code>")[0]
        bearer = {"Authorization": f"Bearer {token}"}
        codes = [app.test_client().get("/api/v1/datasets", headers=bearer).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        frozen.advance(minutes=1)  # a new minute on the injected clock
        assert client.get("/api/v1/datasets").status_code == 200
        assert app.test_client().get("/api/v1/datasets", headers=bearer).status_code == 200
        with command(app):
            stored = db.session.scalar(select(ApiToken).filter_by(user_id=uid))
            assert token not in (stored.token_hash, stored.prefix) and stored.last_used_at is not None
            stored_id = stored.id
        assert (
            app.test_client().get("/api/v1/datasets", headers={"Authorization": "Bearer mkt_wrong"}).status_code == 401
        )
        client.submit(f"/account/api-tokens/{stored_id}/revoke", {"confirmed": "y"}, form_url="/account/api-tokens")
        assert app.test_client().get("/api/v1/datasets", headers=bearer).status_code == 401
    finally:
        app.config["API_RATE_ANONYMOUS"], app.config["API_RATE_TOKEN"] = 60, 600


def test_tokens_need_a_name_and_a_signed_in_owner(app, make_user, client, login):
    assert client.get("/account/api-tokens").status_code == 302
    make_user("a@example.cn", "甲")
    login("a@example.cn")
    page = client.submit("/account/api-tokens", {"name": ""}).get_data(as_text=True)
    assert 'data-test="new-token"' not in page
    client.submit("/account/api-tokens", {"name": "对接一"})
    from conftest import PASSWORD, FormClient

    other = FormClient(app.test_client())
    make_user("b@example.cn", "乙")
    other.submit("/login", {"email": "b@example.cn", "password": PASSWORD})
    with command(app):
        token_id = db.session.scalar(select(ApiToken.id))
    other.submit(f"/account/api-tokens/{token_id}/revoke", {"confirmed": "y"}, form_url="/account/api-tokens")
    with command(app):
        assert db.session.get(ApiToken, token_id).revoked_at is None  # not theirs to revoke


def test_datasets_as_pages_csv_and_json_with_nothing_private(app, tender_world, client, count_queries):
    world = tender_world
    world["tender"] = published_tender(app, world)
    bid(app, world, 0)  # sealed: not in "opened bids"
    index = client.get("/open").get_data(as_text=True)
    assert all(f"/open/{name}.csv" in index for name in DATASETS)
    for name, dataset in DATASETS.items():
        assert client.get(f"/open/{name}").status_code == 200
        download = client.get(f"/open/{name}.csv")
        text = download.get_data(as_text=True)
        assert download.mimetype == "text/csv" and text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert rows[0] == [c.name for c in dataset.columns]
        assert client.get(f"/api/v1/datasets/{name}").get_json()["total"] == len(rows) - 1
        assert SECRET not in text
    assert client.get("/api/v1/datasets/opened-bids").get_json()["total"] == 0
    tenders = client.get("/api/v1/datasets/tenders").get_json()["items"]
    assert tenders[0]["budget_ceiling_fen"] == 12_000_000 and tenders[0]["published_at"].endswith("Z")
    with count_queries() as counted:
        client.get("/open/tenders")
    assert len(counted.statements) <= 4  # the count, the rows and the page's own


def test_audit_events_in_the_api_can_be_rechecked_by_anyone(app, tender_world, client):
    import hashlib
    import json
    from datetime import datetime

    tender_world["tender"] = published_tender(app, tender_world)
    body = client.get("/api/audit/events").get_json()
    (event,) = [e for e in body["items"] if e["action"] == "tender.published"]
    canonical = json.dumps({"seq": event["seq"], "at": datetime.fromisoformat(event["at"]).isoformat(
        timespec="microseconds"), "action": event["action"], "subject": [event["subject_type"], event["subject_id"]],
        "actor": event["actor_id"], "public": event["public"], "payload": event["payload"], "prev": event["prev_hash"]},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == event["hash"]


def test_counts_stop_at_the_limit_and_the_pages_go_on(app, demo, client):
    from market.audit.models import AuditEvent

    with command(app):
        public = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.public.is_(True)))
    assert public > 12
    app.config["COUNT_LIMIT"] = 5
    first = client.get("/api/audit/events?per_page=2").get_json()
    assert first["total"] == 5 and first["total_capped"] is True and "next" in first["links"]
    deep = client.get("/api/audit/events?per_page=2&page=5").get_json()  # past the count, pages go on
    assert len(deep["items"]) == 2 and "next" in deep["links"] and "prev" in deep["links"]
    seen, url = [], "/api/audit/events?per_page=2"
    while url:  # following next reaches every event exactly once
        body = client.get(url).get_json()
        seen += [e["seq"] for e in body["items"]]
        url = body["links"].get("next", "").replace("http://localhost", "")
    assert len(seen) == len(set(seen)) == public
    page = client.get("/audit").get_data(as_text=True)
    assert "多于 5 条" in page and 'rel="next"' in page
    app.config["COUNT_LIMIT"] = 1000
    exact = client.get("/api/audit/events?per_page=2").get_json()
    assert exact["total"] == public and exact["total_capped"] is False
    assert f"共 {public} 条" in client.get("/audit").get_data(as_text=True)

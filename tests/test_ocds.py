"""OCDS 1.1: the demo's release and record packages, written by `flask ocds export` and served by
/api/ocds/…, validate against the official 1.1.5 schema offline (tests/data/ocds-1.1.5, a copy of the
published files; the schema's URLs resolve to them); a process's releases follow what happened,
with exact amounts and nothing before its time."""
import copy
import json
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from market.core.unit import command
from market.extensions import db
from market.procurement.models import Tender
from market.transparency import ocds
from tests.factories import accept_and_pay_first, award_tender, bid, contract, published_tender, signed, user

SCHEMAS = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"


def validator(schema_file: str) -> Draft4Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["id"], Resource(contents=schema, specification=DRAFT4)))
    return Draft4Validator(
        json.loads((SCHEMAS / schema_file).read_text()),
        registry=Registry().with_resources(resources),
        format_checker=FormatChecker(),
    )


RELEASES, RECORDS = validator("release-package-schema.json"), validator("record-package-schema.json")


def errors(check: Draft4Validator, package: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in check.iter_errors(package)]


def test_the_validator_is_live():
    """A wrong tag, a date without a zone and a missing ocid are each refused: the checks can fail."""
    good = {"uri": "https://example.cn/p.json", "version": "1.1", "publishedDate": "2026-11-22T02:00:00Z",
            "publisher": {"name": "Market"},
            "releases": [{"ocid": "ocds-mkt0sz-tender-1", "id": "1", "date": "2026-11-22T02:00:00Z",
                          "tag": ["tender"], "initiationType": "tender"}]}
    assert errors(RELEASES, good) == []
    for path, value in ((("releases", 0, "tag"), ["bogus"]), (("releases", 0, "date"), "2026-11-22 10:00"),
                        (("publishedDate",), "yesterday")):
        bad = copy.deepcopy(good)
        target = bad
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert errors(RELEASES, bad), path
    bad = copy.deepcopy(good)
    del bad["releases"][0]["ocid"]
    assert errors(RELEASES, bad)


def test_demo_export_validates_against_the_official_schema(app, tmp_path, demo_seeded):
    result = app.test_cli_runner().invoke(args=["ocds", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    releases = json.loads((tmp_path / "release-package.json").read_text(), parse_float=Decimal)
    records = json.loads((tmp_path / "record-package.json").read_text(), parse_float=Decimal)
    assert errors(RELEASES, releases) == [] and errors(RECORDS, records) == []
    tags = {tag for release in releases["releases"] for tag in release["tag"]}
    # tenderUpdate: 南泾社区's day-care tender failed for too few bids before it ran again (demo/journeys.py)
    assert tags == {"tender", "tenderUpdate", "award", "contract", "implementation"}
    assert len(records["records"]) == len(list(tmp_path.glob("records/*.json"))) >= 6
    for path in (tmp_path / "records").glob("*.json"):
        assert errors(RECORDS, json.loads(path.read_text())) == [], path.name
    # The completed demo contract: every tranche in, the last one cut by the evaluation score.
    done = next(r["compiledRelease"] for r in records["records"] if "-tender-" in r["ocid"]
                and r["compiledRelease"].get("contracts", [{}])[0].get("status") == "terminated")
    (deal,) = done["contracts"]
    paid = sum(t["value"]["amount"] for t in deal["implementation"]["transactions"])
    assert paid < deal["value"]["amount"] and deal["milestones"][-1]["status"] == "partiallyMet"
    assert {"buyer", "payer"} <= set(next(p for p in done["parties"] if p["id"].startswith("department"))["roles"])
    assert "ocds-mkt0sz-tender-" in done["ocid"]
    # The demo's three signed agreements entrusting waste-sorting work to residents' committees (issue 23):
    # direct processes whose supplier and payee is the committee, which says what it is and where.
    entrusted = [r["compiledRelease"] for r in records["records"] if "-entrusted-" in r["ocid"]]
    assert len(entrusted) == 3 and {e["tender"]["procurementMethod"] for e in entrusted} == {"direct"}
    committee = next(p for p in entrusted[0]["parties"] if "supplier" in p["roles"])
    assert committee["details"]["organizationType"] == "residents_committee" and "payee" in committee["roles"]
    assert committee["identifier"]["scheme"] == "CN-USCC"


def test_a_process_grows_release_by_release_with_exact_amounts(app, tender_world, frozen, make_user, places):
    world = tender_world
    world["tender"] = published_tender(app, world)
    bid(app, world, 0, 9_876_543)
    with command(app):
        (first,) = ocds.releases_of(db.session.get(Tender, world["tender"]))
    assert first["tag"] == ["tender"] and "tenderers" not in first["tender"]  # nobody's name before opening
    assert first["tender"]["value"] == {"amount": Decimal("120000.00"), "currency": "CNY"}
    assert '"amount": 120000.00' in ocds.dumps(first)  # written exactly, never through a float

    award_tender(app, world, frozen, make_user, places)  # a second tender, bid on by three, awarded
    signed(app, world, frozen)
    accept_and_pay_first(app, world)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        record = ocds.record_of(tender)
        package = json.loads(ocds.dumps(ocds.record_package([tender], "/x")), parse_float=Decimal)
        price = contract(world).price_fen
    assert errors(RECORDS, package) == []
    assert [r["tag"] for r in record["releases"]] == [["tender"], ["award"], ["contract"], ["implementation"]]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["numberOfTenderers"] == 3 and compiled["tender"]["status"] == "complete"
    assert compiled["awards"][0]["status"] == "active" and compiled["contracts"][0]["status"] == "active"
    assert compiled["contracts"][0]["value"]["amount"] == Decimal(price) / 100
    (payment,) = compiled["contracts"][0]["implementation"]["transactions"]
    assert payment["value"]["amount"] == Decimal("36000.00")
    assert [m["status"] for m in compiled["contracts"][0]["milestones"]] == ["met", "scheduled", "scheduled"]
    roles = {p["name"]: set(p["roles"]) for p in compiled["parties"]}
    assert roles["社会组织2号"] == {"tenderer", "supplier", "payee"} and roles["社会组织0号"] == {"tenderer"}


def test_the_api_serves_packages_and_one_record(app, tender_world, frozen, make_user, places, client):
    award_tender(app, tender_world, frozen, make_user, places)
    for path in ("/api/ocds/releases.json", "/api/ocds/records.json?per_page=1"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/json"
        package = json.loads(response.get_data(), parse_float=Decimal)
        check = RELEASES if "releases" in path else RECORDS
        assert errors(check, package) == [], path
    ocid = f"ocds-mkt0sz-tender-{tender_world['tender']}"
    one = client.get(f"/api/ocds/records/{ocid}.json").get_json()
    assert [r["ocid"] for r in one["records"]] == [ocid]
    assert client.get("/api/ocds/records/ocds-mkt0sz-tender-999999.json").status_code == 404
    assert client.get("/api/ocds/records/nonsense.json").status_code == 404


def test_the_ocid_prefix_is_configurable(app, tender_world):
    world = tender_world
    world["tender"] = published_tender(app, world)
    app.config["OCDS_OCID_PREFIX"] = "ocds-abc123"
    try:
        with command(app):
            (release,) = ocds.releases_of(db.session.get(Tender, world["tender"]))
        assert release["ocid"] == f"ocds-abc123-tender-{world['tender']}"
    finally:
        app.config["OCDS_OCID_PREFIX"] = "ocds-mkt0sz"


def test_a_cancelled_tender_gets_a_tender_update(app, tender_world):
    from market.procurement import tenders

    world = tender_world
    world["tender"] = published_tender(app, world)
    with command(app):
        tenders.cancel(user(world["buyer"]), db.session.get(Tender, world["tender"]), "预算调整，项目取消。")
        releases = ocds.releases_of(db.session.get(Tender, world["tender"]))
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"]]
    assert releases[-1]["tender"]["status"] == "cancelled"

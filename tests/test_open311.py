"""An Open311 GeoReport v2 client (issue 22): every request below is written from the standard's
documentation (http://wiki.open311.org/GeoReport_v2: discovery, GET Service List, GET Service
Definition, POST Service Request with api_key and form fields, GET Service Requests with its
filters, GET Service Request), and read in both of its formats, XML and JSON."""
import xml.etree.ElementTree as ET

import pytest

from market.accounts.models import User
from market.api import services as api
from market.core.unit import command
from market.extensions import db
from market.grid import problems
from tests.factories import user

BASE = "/open311/v2"


@pytest.fixture
def keys(app, grid_ledger):
    """API keys: a verified resident's own app, and the building leader's app (a partner app)."""
    with command(app):
        _record, resident_key = api.create_token(user(grid_ledger["resident"]), "居民随手拍")
        _record, leader_key = api.create_token(user(grid_ledger["leader"]), "网格通")
    return {"resident": resident_key, "leader": leader_key}


def _xml(response) -> ET.Element:
    assert response.mimetype == "text/xml", response.get_data(as_text=True)[:200]
    return ET.fromstring(response.get_data())


def test_discovery_services_and_a_service_definition(client):
    discovery = _xml(client.get(f"{BASE}/discovery.xml"))
    assert discovery.tag == "discovery"
    endpoint = discovery.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert {f.text for f in endpoint.findall("formats/format")} == {"text/xml", "application/json"}
    assert endpoint.findtext("url").endswith("/open311/v2")

    services = _xml(client.get(f"{BASE}/services.xml"))
    assert services.tag == "services"
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "sanitation" in codes and len(codes) == 8
    assert services.find("service").findtext("metadata") == "true"
    assert services.find("service").findtext("type") == "realtime"
    listed = client.get(f"{BASE}/services.json").get_json()
    assert [s["service_code"] for s in listed] == codes and listed[0]["service_name"] == "环境卫生"

    definition = _xml(client.get(f"{BASE}/services/sanitation.xml"))
    attribute = definition.find("attributes/attribute")
    assert (definition.findtext("service_code"), attribute.findtext("code"), attribute.findtext("datatype")) == (
        "sanitation", "urgency", "singlevaluelist")
    assert {v.findtext("key") for v in attribute.findall("values/value")} == {"urgent", "normal"}
    missing = client.get(f"{BASE}/services/unicorns.json")
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404


def test_post_a_request_and_follow_it_to_its_close(app, client, grid_ledger, keys):
    # A resident's own app: position in decimal degrees, a description, the urgency attribute.
    created = client.post(f"{BASE}/requests.json", data={
        "api_key": keys["resident"], "service_code": "sanitation", "lat": "31.3216", "long": "120.6318",
        "description": "3幢门口垃圾两天没清运\n天热有异味", "attribute[urgency]": "urgent"})
    assert created.status_code == 201, created.get_data(as_text=True)
    (answer,) = created.get_json()
    resident_request = answer["service_request_id"]

    # A building leader's app, for a resident who called: an address, a name and a phone, in XML.
    posted = client.post(f"{BASE}/requests.xml", data={
        "api_key": keys["leader"], "service_code": "neighbours", "address_string": "3幢502室门口",
        "description": "楼上漏水到楼下", "first_name": "阿姨", "last_name": "陈", "phone": "13912345678"})
    assert posted.status_code == 201
    leader_request = _xml(posted).find("request").findtext("service_request_id")

    one = client.get(f"{BASE}/requests/{resident_request}.json").get_json()[0]
    # the position is public to about 100 m (a leader's phone stands at a resident's door)
    assert (one["status"], one["service_code"], one["lat"], one["long"]) == ("open", "sanitation", 31.322, 120.632)
    assert one["description"] == "3幢门口垃圾两天没清运\n天热有异味" and one["agency_responsible"] == ""
    assert one["expected_datetime"] is None and one["requested_datetime"].endswith("+08:00")

    # The community dispatches it; the bureau accepts and closes it: the standard's fields follow.
    with command(app):
        problem = problems.get_problem(int(resident_request))
        assert problem.reporter_id == grid_ledger["resident"] and problem.channel == "app"
        problems.dispatch(user(grid_ledger["worker"]), problem, f"department:{grid_ledger['city_management']}")
        problems.accept(user(grid_ledger["city"]), problem)
        problems.close(user(grid_ledger["city"]), problem, "resolved", "已清运并消杀")
    closed = _xml(client.get(f"{BASE}/requests/{resident_request}.xml")).find("request")
    assert (closed.findtext("status"), closed.findtext("status_notes")) == ("closed", "已清运并消杀")
    assert closed.findtext("agency_responsible") == "姑苏区城市管理局"
    assert closed.findtext("expected_datetime").startswith("2026-11-23T10:00:00")  # 24 hours, urgent

    # GET Service Requests with the standard's filters.
    def ids(**query):
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", query_string=query).get_json()]

    assert ids() == [leader_request, resident_request]  # newest first
    assert ids(status="closed") == [resident_request] and ids(status="open") == [leader_request]
    assert ids(service_code="neighbours") == [leader_request]
    assert ids(service_request_id=f"{resident_request},{leader_request}") == [leader_request, resident_request]
    assert ids(start_date="2026-11-23T00:00:00+08:00") == []
    assert ids(start_date="2026-11-22T00:00:00+08:00", end_date="2026-11-22T23:59:59+08:00") == [
        leader_request, resident_request]
    listed = _xml(client.get(f"{BASE}/requests.xml"))
    assert listed.tag == "service_requests" and len(listed.findall("request")) == 2

    # Nothing private leaves: the caller's name and phone are the ledger's, never the API's.
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests.{fmt}").get_data(as_text=True)
        assert "13912345678" not in body and "阿姨" not in body


def test_refusals_are_the_standards_errors(app, client, grid_ledger, keys, make_user):
    def refused(response, status):
        assert response.status_code == status, response.get_data(as_text=True)
        error = _xml(response).find("error") if response.mimetype == "text/xml" else None
        return error.findtext("description") if error is not None else response.get_json()[0]["description"]

    assert refused(client.post(f"{BASE}/requests.xml", data={"service_code": "sanitation",
                                                             "address_string": "3幢"}), 403)
    assert refused(client.post(f"{BASE}/requests.json", data={"api_key": "mkt_wrong", "service_code": "noise",
                                                              "address_string": "3幢"}), 403)
    assert refused(client.post(f"{BASE}/requests.json", data={"api_key": keys["resident"], "service_code": "x",
                                                              "address_string": "3幢"}), 400)
    assert refused(client.post(f"{BASE}/requests.json", data={"api_key": keys["resident"],
                                                              "service_code": "noise"}), 400)  # no location
    assert refused(client.post(f"{BASE}/requests.json", data={
        "api_key": keys["resident"], "service_code": "noise", "lat": "north", "long": "120"}), 400)
    assert refused(client.post(f"{BASE}/requests.json", data={
        "api_key": keys["resident"], "service_code": "noise", "address_string": "3幢",
        "attribute[urgency]": "whenever"}), 400)
    assert refused(client.get(f"{BASE}/requests.json?start_date=yesterday"), 400)
    assert refused(client.get(f"{BASE}/requests.json?status=pending"), 400)
    assert refused(client.get(f"{BASE}/requests/999999.xml"), 404)
    make_user("nobody@example.cn", "路人")
    with command(app):
        _record, stranger_key = api.create_token(user(db.session.scalar(db.select(User.id).filter_by(
            email="nobody@example.cn"))), "随手拍")
    assert refused(client.post(f"{BASE}/requests.json", data={"api_key": stranger_key, "service_code": "noise",
                                                              "address_string": "3幢"}), 403)
    assert client.get(f"{BASE}/requests.json").get_json() == []  # none was made

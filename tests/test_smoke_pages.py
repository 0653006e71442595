"""Every public page answers, in both languages."""
import pytest


@pytest.mark.parametrize(
    "url", ["/", "/places/", "/organizations/", "/login", "/register", "/password/forgot", "/healthz"]
)
def test_public_pages_answer(client, url):
    assert client.get(url).status_code == 200


def test_the_health_check_is_bare(app, client, count_queries):
    """One /healthz, without the database or a template: what the proxy polls and the benchmarks
    compare pages to (a second handler with SELECT 1 was once registered after it and never ran)."""
    assert [r.rule for r in app.url_map.iter_rules()].count("/healthz") == 1
    with count_queries() as counted:
        response = client.get("/healthz")
    assert response.get_data(as_text=True) == "ok\n" and response.mimetype == "text/plain"
    assert counted.count == 0


def test_places_drill_down(client, places):
    assert "姑苏区" in client.get("/places/").get_data(as_text=True)
    assert "平江街道" in client.get(f"/places/district/{places['district']}").get_data(as_text=True)
    street = client.get(f"/places/street/{places['street']}").get_data(as_text=True)
    assert "社区" in street
    assert client.get(f"/places/community/{places['community']}").status_code == 200
    assert client.get("/places/community/999999").status_code == 404

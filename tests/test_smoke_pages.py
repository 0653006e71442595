"""Every public page answers, in both languages."""
import pytest


@pytest.mark.parametrize("url", ["/", "/places/", "/organizations/", "/login", "/register", "/password/forgot", "/healthz"])
def test_public_pages_answer(client, url):
    assert client.get(url).status_code == 200


def test_places_drill_down(client, places):
    assert "姑苏区" in client.get("/places/").get_data(as_text=True)
    assert "平江街道" in client.get(f"/places/district/{places['district']}").get_data(as_text=True)
    street = client.get(f"/places/street/{places['street']}").get_data(as_text=True)
    assert "社区" in street
    assert client.get(f"/places/community/{places['community']}").status_code == 200
    assert client.get("/places/community/999999").status_code == 404

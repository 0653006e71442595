"""Residents' ratings (only those served, once, even at the same moment), moderation, satisfaction
indexes, and the organization's two-way rating of the department."""
from decimal import Decimal as D

import pytest

from market.accounts.models import User
from market.accounts.roles import Role
from market.contracts import payment
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.evaluation import ratings, scorecards
from market.evaluation.models import DepartmentRating, Rating
from market.extensions import db
from market.needs import moderation
from tests.factories import contract, report, run_at_once, signed, user


@pytest.fixture
def serving(app, awarded, frozen, make_user, places):
    world = signed(app, awarded, frozen)
    for n in range(4):
        world[f"neighbour{n}"] = make_user(f"neighbour{n}@example.cn", f"居民{n}", community=places["community"])
    world["across"] = make_user("across@example.cn", "邻社区居民", community=places["community2"])
    world["stranger"] = make_user("stranger@example.cn", "外人", community=places["other_community"])
    world["unverified"] = make_user("unverified@example.cn", "未认证")
    with command(app):
        ratings.register_beneficiaries(user(world["owner2"]), contract(world), "neighbour0@example.cn")
        world["codes"] = ratings.issue_codes(user(world["owner2"]), contract(world), 3)
    return world


def test_only_residents_served_may_rate_and_only_once(app, serving):
    world = serving
    with command(app):
        c = contract(world)
        for outsider in ("stranger", "unverified"):
            with pytest.raises(PermissionDenied) as refused:
                ratings.rate(user(world[outsider]), c, 5, "", world["codes"][0])
            assert refused.value.code == "not_served"
        with pytest.raises(ServiceError) as refused:
            ratings.rate(user(world["neighbour1"]), c, 5, "")  # served? not registered, and no code
        assert refused.value.code == "rating_code_missing" and refused.value.field == "code"
        with pytest.raises(ServiceError) as refused:
            ratings.rate(user(world["neighbour1"]), c, 5, "", "ABCDEFGH")
        assert refused.value.code == "rating_code_invalid" and refused.value.field == "code"
        with pytest.raises(ServiceError) as refused:
            ratings.rate(user(world["neighbour0"]), c, 6, "")
        assert refused.value.code == "stars_out_of_range" and refused.value.field == "stars"
        ratings.rate(user(world["neighbour0"]), c, 5, "服务很好")  # registered as served: no code needed
        db.session.commit()  # each rating is a request of its own: a refused one takes nothing back
        with pytest.raises(PermissionDenied) as refused:
            ratings.rate(user(world["neighbour0"]), c, 4, "")
        assert refused.value.code == "already_rated"
        ratings.rate(user(world["neighbour1"]), c, 3, "", f" {world['codes'][0][:4]} {world['codes'][0][4:]} ")
        db.session.commit()
        with pytest.raises(ServiceError) as refused:
            ratings.rate(user(world["neighbour2"]), c, 4, "", world["codes"][0])  # a code serves once
        assert refused.value.code == "rating_code_invalid" and refused.value.field == "code"
        ratings.rate(user(world["across"]), c, 4, "", world["codes"][1])  # the contract's second community
        assert ratings.code_counts(c) == (3, 2)
        assert [(r.stars, r.basis) for r in db.session.scalars(ratings.ratings_select(c).order_by(None)
                                                                .order_by(Rating.id))] == \
            [(5, "beneficiary"), (3, "code"), (4, "code")]
        # Only the organization registers residents served, and only verified residents of the communities served.
        with pytest.raises(PermissionDenied):
            ratings.register_beneficiaries(user(world["buyer"]), c, "neighbour3@example.cn")
        with pytest.raises(ServiceError) as refused:
            ratings.register_beneficiaries(user(world["owner2"]), c, "neighbour3@example.cn\nstranger@example.cn")
        assert refused.value.code == "not_residents_served" and refused.value.field == "emails"
        assert "stranger@example.cn" in refused.value.message  # every unknown address is named
        assert not ratings.is_beneficiary(user(world["neighbour3"]), c)  # all or nothing


def test_two_ratings_sent_at_once_make_one(app, serving):
    world = serving

    def rate_as(key, code=""):
        return lambda: ratings.rate(db.session.get(User, world[key]), contract(world), 4, "", code)

    results = run_at_once(app, [rate_as("neighbour0"), rate_as("neighbour0")])
    assert sum(isinstance(r, Rating) for r in results) == 1
    assert sum(isinstance(r, ServiceError) for r in results) == 1
    # Two residents with the same code at the same moment: one rates, the code is spent once.
    results = run_at_once(app, [rate_as("neighbour1", world["codes"][2]), rate_as("neighbour2", world["codes"][2])])
    assert sum(isinstance(r, Rating) for r in results) == 1
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Rating.id))) == 2
        assert ratings.code_counts(contract(world)) == (3, 1)


def test_ratings_are_moderated_as_needs_are_and_hidden_ones_leave_the_index(app, serving, make_user, places):
    world = serving
    worker = make_user("worker2@example.cn", "社工", roles={Role.COMMUNITY_WORKER: places["community"]})
    with command(app):
        c = contract(world)
        ratings.rate(user(world["neighbour0"]), c, 1, "骗子机构，联系电话 138xxxx")
        ratings.rate(user(world["neighbour1"]), c, 5, "", world["codes"][0])
        ratings.rate(user(world["neighbour2"]), c, 4, "", world["codes"][1])
        assert ratings.satisfaction(contract_ids=[c.id]) == (D("58.33"), 3)  # mean 10/3 → (10/3 − 1) × 25 = 58.33
        abusive = db.session.scalar(db.select(Rating).where(Rating.stars == 1))
        moderation.flag(user(world["neighbour3"]), "rating", abusive.id, "人身攻击")
        with pytest.raises(PermissionDenied):
            moderation.hide(user(world["owner2"]), "rating", abusive.id, "不当言论")
        moderation.hide(user(worker), "rating", abusive.id, "含人身攻击和个人信息")
        assert ratings.satisfaction(contract_ids=[c.id]) == (D("87.50"), 2)  # 5 and 4 → 4.5
        assert ratings.satisfaction(organization_id=world["org2"]) == (D("87.50"), 2)
        assert ratings.satisfaction(community_id=places["community"]) == (D("87.50"), 2)
        assert ratings.satisfaction(department_id=c.department_id) == (D("87.50"), 2)
        assert ratings.satisfaction(community_id=places["community2"]) == (None, 0)


def test_the_organization_rates_the_department_after_each_decided_stage(app, serving, client):
    world = serving
    scores = {"paid_on_time": 5, "clear_requirements": 4, "no_interference": 3}
    with command(app):
        c = contract(world)
        first = f"milestone:{c.milestones[0].id}"
        with pytest.raises(ServiceError) as refused:
            ratings.rate_department(user(world["owner2"]), c, first, scores, "")
        assert refused.value.code == "stage_not_decided" and refused.value.field == "stage"
    report(app, world, 0)
    with command(app):
        c = contract(world)
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        with pytest.raises(PermissionDenied):
            ratings.rate_department(user(world["buyer"]), c, first, scores, "")
        with pytest.raises(ServiceError) as refused:
            ratings.rate_department(user(world["owner2"]), c, first, {**scores, "no_interference": 0}, "")
        assert refused.value.code == "item_score_out_of_range" and refused.value.field == "no_interference"
        ratings.rate_department(user(world["owner2"]), c, first, scores, "验收及时，要求清楚")
        db.session.commit()  # rated; rating again is a request of its own, refused
        with pytest.raises(ServiceError) as refused:
            ratings.rate_department(user(world["owner2"]), c, first, {**scores, "paid_on_time": 1}, "")
        assert refused.value.code == "stage_already_rated" and refused.value.field == "stage"
        assert ratings.open_department_stages(c) == []
        averages, count = ratings.department_averages(department_id=c.department_id)
        assert count == 1 and averages == {"paid_on_time": D("5.00"), "clear_requirements": D("4.00"),
                                           "no_interference": D("3.00")}
        card = scorecards.department_card(c.department_id)
        assert card.count == 1 and db.session.scalar(db.select(db.func.count(DepartmentRating.id))) == 1
        department_id = c.department_id
    page = client.get(f"/evaluation/departments/{department_id}").get_data(as_text=True)
    assert "验收及时，要求清楚" in page and 'data-test="paid_on_time">5.00<' in page
    chart = client.get(f"/evaluation/departments/{department_id}/chart.svg")
    assert chart.mimetype == "image/svg+xml" and b"<svg" in chart.data


def test_open_data_csv_neutralises_cells_that_start_like_a_formula(app, serving, client):
    """A rating comment is typed by a resident; in /open/ratings.csv it must reach a spreadsheet as
    text, never as a formula (every CSV goes through core/tables)."""
    import csv
    import io

    world = serving
    hostile = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd"]
    with command(app):
        for n, comment in enumerate(hostile[:3]):
            ratings.rate(user(world[f"neighbour{n}"]), contract(world), 4, comment, world["codes"][n] if n else None)
    text = client.get("/open/ratings.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    comments = sorted(r["comment"] for r in rows)
    assert comments == sorted("'" + c for c in hostile[:3])
    assert all(not r["comment"].startswith(("=", "+", "-", "@", "\t")) for r in rows)

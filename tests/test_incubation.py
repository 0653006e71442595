"""Incubators: a cohort from admission to graduation, seed money in the ledger, capacity over time,
who is falling behind, and grantees' later contracts and grades on the dashboard."""
from datetime import date

import pytest

from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.extensions import db
from market.incubation import services as incubation
from market.incubation.models import Cohort, Incubation, Incubator
from market.money import ledger
from market.organizations.models import Organization
from market.procurement import undertakers

from test_contracts import awarded, signed  # noqa: F401
from test_tenders import user, world  # noqa: F401

LEVELS = ("governance", "finance", "staff", "projects")


@pytest.fixture
def hub(app, world, make_user):
    """An incubator run by organization 3, with staff bound to it, and a cohort of 2026."""
    world["staff"] = make_user("staff@example.cn", "赵敏", roles={Role.INCUBATOR_STAFF: world["org3"]})
    with app.app_context():
        staff = user(world["staff"])
        incubator = incubation.create_incubator(staff, world["org3"], "姑苏区公益孵化园", "人民路1号", "")
        cohort = incubation.add_cohort(staff, incubator, "2026年第一期", date(2026, 3, 1), date(2027, 2, 28), 2)
        world.update(incubator=incubator.id, cohort=cohort.id)
    return world


def stay_of(world, n) -> Incubation:
    return db.session.scalar(db.select(Incubation).filter_by(organization_id=world[f"org{n}"]))


def test_a_cohort_from_admission_to_graduation(app, hub, frozen):
    world = hub
    with app.app_context():
        staff, cohort = user(world["staff"]), db.session.get(Cohort, world["cohort"])
        with pytest.raises(PermissionDenied):
            incubation.admit(user(world["owner0"]), cohort, world["org0"], date(2026, 3, 5), 12, "", "")
        with pytest.raises(ServiceError):
            incubation.admit(staff, cohort, world["org3"], date(2026, 3, 5), 12, "", "")  # the operator itself
        first = incubation.admit(staff, cohort, world["org0"], date(2026, 3, 5), 12, "王敏", "规范治理")
        incubation.admit(staff, cohort, world["org1"], date(2026, 3, 5), 6, "", "")
        with pytest.raises(ServiceError, match="2"):
            incubation.admit(staff, cohort, world["org2"], date(2026, 3, 5), 12, "", "")  # two places
        assert first.planned_exit_on == date(2027, 3, 5)
        incubation.record_service(staff, first, "training", 24, 0, date(2026, 3, 20), "财务培训")
        incubation.record_service(staff, first, "seed_money", 0, 500_000, date(2026, 4, 1), "")
        with pytest.raises(ServiceError):
            incubation.record_service(staff, first, "training", 0, 0, date(2026, 4, 1), "")
        # Seed money is posted once in the ledger, from the incubator's funds to the organization.
        assert ledger.balance("organization", world["org0"], "grants") == 500_000
        assert ledger.balance("incubator", world["incubator"], "funds") == -500_000
        with pytest.raises(ServiceError):
            incubation.graduate(staff, first, "能力达标")  # never assessed
        incubation.assess(staff, first, date(2026, 3, 10), dict(zip(LEVELS, (2, 2, 1, 1))), "")
        incubation.assess(staff, first, date(2026, 10, 10), dict(zip(LEVELS, (4, 3, 3, 4))), "")
        with pytest.raises(ServiceError):
            incubation.assess(staff, first, date(2026, 10, 10), dict(zip(LEVELS, (6, 3, 3, 4))), "")
        incubation.graduate(staff, db.session.get(Incubation, first.id), "治理完善，准予出孵。")
        assert stay_of(world, 0).status == "graduated" and stay_of(world, 0).left_on == date(2026, 11, 22)
        # A place is free again.
        incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org2"], date(2026, 11, 1), 12, "", "")
        rows = {r.incubation.organization_id: r for r in incubation.grantees(db.session.get(Incubator,
                                                                                           world["incubator"]))}
        assert rows[world["org0"]].capacity == 3.5 and rows[world["org0"]].growth == 2.0
        assert rows[world["org0"]].seed_fen == 500_000 and rows[world["org0"]].training_hours == 24
        assert incubation.ever_incubated(world["org0"]) and not incubation.ever_incubated(world["org3"])


def test_falling_behind_is_named_with_its_reasons(app, hub, frozen):
    world = hub
    with app.app_context():
        staff, cohort = user(world["staff"]), db.session.get(Cohort, world["cohort"])
        slow = incubation.admit(staff, cohort, world["org1"], date(2026, 3, 5), 12, "", "")
        incubation.assess(staff, slow, date(2026, 4, 1), dict(zip(LEVELS, (3, 3, 3, 3))), "")
        incubation.assess(staff, slow, date(2026, 6, 1), dict(zip(LEVELS, (3, 2, 3, 3))), "")
        rows = incubation.grantees(db.session.get(Incubator, world["incubator"]))
        reasons = " ".join(rows[0].behind)
        assert "174天" in reasons or "174 days" in reasons  # 1 June to 22 November
        assert "没有提升" in reasons and "过半" in reasons
    frozen.advance(days=120)  # past the planned graduation of 5 March 2027
    with app.app_context():
        rows = incubation.grantees(db.session.get(Incubator, world["incubator"]))
        assert any("计划出孵日期2027-03-05" in reason for reason in rows[0].behind)


def test_grantees_later_contracts_and_grades_show_on_the_dashboard(app, hub, awarded, frozen, client, count_queries):
    """Organization 2 graduated, then won a contract and a grade: the dashboard reads both."""
    world = hub
    with app.app_context():
        staff = user(world["staff"])
        stay = incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org2"], date(2026, 3, 5), 6,
                                "", "")
        incubation.assess(staff, stay, date(2026, 3, 10), dict(zip(LEVELS, (2, 2, 2, 2))), "")
        incubation.assess(staff, stay, date(2026, 8, 10), dict(zip(LEVELS, (4, 4, 3, 3))), "")
        incubation.graduate(staff, db.session.get(Incubation, stay.id), "准予出孵。")
    page = f"/incubators/{world['incubator']}"
    before = client.get(page).get_data(as_text=True)
    assert 'data-test="contracts">0 / 0' in before
    signed(app, world, frozen)
    with app.app_context():
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org2"]), 3,
                                 date(2026, 12, 1))
    after = client.get(page).get_data(as_text=True)
    assert 'data-test="contracts">1 / 0' in after and "3A" in after and "首个合同中标" in after
    assert client.get(f"{page}/capacity.svg").status_code == 200
    assert client.get(f"{page}/milestones.svg").status_code == 200
    with count_queries() as one:
        client.get(page)
    with app.app_context():
        staff = user(world["staff"])
        for n in (0, 1):
            extra = incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world[f"org{n}"],
                                     date(2026, 11, 1), 12, "", "")
            incubation.assess(staff, extra, date(2026, 11, 2), dict(zip(LEVELS, (2, 2, 2, 2))), "")
    with count_queries() as three:
        client.get(page)
    assert one.count == three.count == DASHBOARD_QUERIES


DASHBOARD_QUERIES = 9  # incubator, its cohorts, stays, assessments, contracts, grades, services, grants, badges


def test_staff_record_through_the_pages(app, hub, client, login):
    world = hub
    cohort_page = f"/incubators/cohorts/{world['cohort']}"
    login("org0@example.cn")
    assert client.submit(cohort_page, {"organization_id": world["org1"], "admitted_on": "2026-11-01",
                                       "months": "12"}, form_url="/").status_code == 403
    client.submit("/logout", {}, form_url="/")
    login("staff@example.cn")
    response = client.submit(cohort_page, {"organization_id": world["org1"], "admitted_on": "2026-11-01",
                                           "months": "12", "mentor": "王敏", "goals": "规范财务"})
    assert response.status_code == 302
    with app.app_context():
        stay_id = stay_of(world, 1).id
    stay_page = f"/incubators/stays/{stay_id}"
    response = client.submit(stay_page, {"service-kind": "seed_money", "service-amount": "3000",
                                         "service-given_on": "2026-11-10", "service-submit": "1"})
    assert response.status_code == 302
    bad = client.submit(stay_page, {"assessment-assessed_on": "2026-12-30", "assessment-governance": "3",
                                    "assessment-finance": "3", "assessment-staff": "3", "assessment-projects": "3",
                                    "assessment-submit": "1"})
    assert "评估日期须在入孵之后" in bad.get_data(as_text=True)
    page = client.get(stay_page).get_data(as_text=True)
    assert "¥3,000.00" in page and "规范财务" in page
    with app.app_context():
        assert ledger.balance("organization", world["org1"], "grants") == 300_000

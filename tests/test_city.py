"""The city generator (`flask seed city`) at a small scale, on the suite's database: what it writes
obeys the services' rules (balanced ledger, sealed bids with their digests, one rating per resident,
contract and year, sequences moved on PostgreSQL), and the key pages run the same number of SQL
queries when the city doubles (no N+1)."""
from sqlalchemy import func, select

from market.core.unit import command
from market.extensions import db
from market.procurement import sealing

SCALE = 0.002  # 30 organizations, 400 needs, 120 tenders, 40 contracts, 2,000 ratings


def build(app, scale=SCALE):
    from market.demo.city import City

    with command(app):
        return City(scale).build()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_small_city_keeps_the_rules(app):
    from market.evaluation.models import Rating
    from market.money import ledger
    from market.organizations.models import Organization
    from market.procurement.models import Bid, Tender

    written = build(app)
    assert written["organization"] == 30 and written["need"] == 400 and written["tender"] == 120
    assert written["contract"] == 40 and written["rating"] == 2_000 and written["bid"] >= 120
    with command(app):
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []
        assert count(Rating) == db.session.scalar(select(func.count()).select_from(
            select(Rating.contract_id, Rating.user_id, Rating.period).distinct().subquery()))
        for bid in db.session.scalars(select(Bid).limit(20)):
            assert sealing.digest(sealing.unseal(bid.sealed)) == bid.digest
            tender = db.session.get(Tender, bid.tender_id)
            assert (bid.price_fen is not None) == (tender.opened_at is not None)  # no price before opening
        # The services go on after it: ids continue (PostgreSQL's sequences were moved past the city's).
        from market import clock
        from market.accounts import services as accounts
        from market.organizations import credit_code

        person = accounts.register("after-the-city@example.cn", "新用户", "correct-horse-42")
        db.session.add(Organization(name="新登记组织", credit_code=credit_code.make("5", "2", "320508", "99999999"),
                                    org_type="social_service", registered_on=clock.now().date(),
                                    registration_authority="民政局", status="pending", created_at=clock.now(),
                                    created_by_id=person.id))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed", "city", "--scale", "3"])
    assert result.exit_code != 0 and "scale" in result.output


def _holder_of_every_role(app, make_user) -> str:
    """One person holding every role over the city's first communities, departments and organizations,
    so that each desk pile has records to count (`/desk`)."""
    from market.accounts.models import RoleGrant
    from market.accounts.roles import Role
    from market.organizations.models import Membership, Organization
    from market.places.models import Community, Department

    email = "every-role@example.cn"
    with command(app):
        communities = db.session.scalars(select(Community.id).order_by(Community.id).limit(40)).all()
        departments = db.session.scalars(select(Department.id)).all()
        organizations = db.session.scalars(select(Organization.id).order_by(Organization.id).limit(10)).all()
    user_id = make_user(email, "全角色", {Role.CIVIL_AFFAIRS: None, Role.EXPERT: None}, community=communities[0])
    with command(app):
        from market import clock

        grants = [RoleGrant(role=Role.COMMUNITY_WORKER.value, community_id=c) for c in communities]
        grants += [RoleGrant(role=Role.PURCHASER.value, department_id=d) for d in departments]
        grants += [RoleGrant(role=r.value, organization_id=o) for o in organizations
                   for r in (Role.EVALUATOR, Role.INCUBATOR_STAFF)]
        for grant in grants:
            grant.user_id, grant.granted_at = user_id, clock.now()
        db.session.add_all(grants)
        db.session.add_all(Membership(user_id=user_id, organization_id=o, is_owner=True, added_at=clock.now())
                           for o in organizations)
        db.session.commit()
    return email


def test_key_pages_run_the_same_queries_when_the_city_doubles(app, client, count_queries, whoosh, make_user, login):
    from market.organizations.models import Organization
    from market.places.models import Community
    from market.procurement.models import Tender

    def measure():
        assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
        with command(app):
            tender = db.session.scalar(select(Tender).where(Tender.status == "contracted").order_by(Tender.id))
            org = db.session.scalar(select(Organization.id).order_by(Organization.id))
            community = db.session.scalar(select(Community.id).order_by(Community.id.desc()))
            urls = [
                "/",
                "/procurement/tenders",
                f"/procurement/tenders?category={tender.category_id}&status=contracted",
                f"/procurement/tenders/{tender.id}",
                f"/evaluation/organizations/{org}",
                f"/places/community/{community}",
                "/organizations/",
                "/contracts",
                "/search?q=养老",
                "/api/search?q=心理",
                "/api/v1/datasets/tenders",
                "/open/ratings",
            ]
        counts = {}
        for url in urls:
            client.get(url)  # warm per-process caches
            with count_queries() as counted:
                assert client.get(url).status_code == 200, url
            counts[url.split("?")[0].rstrip("0123456789")] = counted.count
        return counts

    def measure_desk():
        client.get("/desk")
        with count_queries() as counted:
            page = client.get("/desk")
        assert page.status_code == 200 and 'data-test="pile-' in page.get_data(as_text=True)
        return counted.count

    build(app)
    small = measure()
    login(_holder_of_every_role(app, make_user))
    small_desk = measure_desk()
    client.post("/logout", data={"csrf_token": client.token("/")})
    build(app)  # twice the organizations, needs, tenders, bids, contracts and ratings
    assert measure() == small
    login("every-role@example.cn")
    assert measure_desk() == small_desk

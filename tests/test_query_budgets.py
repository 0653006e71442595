"""List pages run a fixed number of SQL queries whatever the number of rows."""
from datetime import date

from market import clock
from market.core.unit import command
from market.extensions import db
from market.organizations import credit_code
from market.organizations.models import Organization, ServiceCategory
from tests.factories import bid, published_tender


def _add_organizations(app, count, start, community_id):
    with command(app):
        from market.accounts.models import User

        creator = db.session.scalar(db.select(User))
        categories = db.session.scalars(db.select(ServiceCategory).limit(3)).all()
        from market.places.models import Community

        community = db.session.get(Community, community_id)
        for i in range(start, start + count):
            org = Organization(
                name=f"测试组织{i:03d}", credit_code=credit_code.make("5", "2", "320508", f"MJ{i:06d}"),
                org_type="social_service", registered_on=date(2018, 1, 1), registration_authority="姑苏区民政局",
                status="approved", created_at=clock.now(), created_by_id=creator.id, district_id=None,
            )
            org.categories = categories
            org.communities = [community]
            db.session.add(org)
        db.session.commit()


def _queries(client, count_queries, url):
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_list_pages_query_count_does_not_grow(client, app, make_user, count_queries, places, login):
    make_user("a@example.cn")
    login("a@example.cn")  # signed in: the navigation loads roles and memberships too
    urls = ["/organizations/", f"/places/community/{places['community']}", f"/places/street/{places['street']}",
            "/places/", "/"]
    _add_organizations(app, 3, 0, places["community"])
    small = {url: _queries(client, count_queries, url) for url in urls}
    _add_organizations(app, 17, 3, places["community"])
    large = {url: _queries(client, count_queries, url) for url in urls}
    assert small == large
    # 5 of each count are the signed-in person (user, roles, residence, memberships, unread notifications).
    assert large == {
        "/organizations/": 11,  # page, categories of the page, total, category and district filters, grades
        # community with parents, needs page and total, requests page and total, meetings,
        # organizations page, their categories and total, the support threshold, residents' satisfaction,
        # the work asked of it (one row of burden figures)
        f"/places/community/{places['community']}": 17,
        f"/places/street/{places['street']}": 10,  # street with parents, page, total, needs and requests roll-up
        "/places/": 7,  # city, districts with counts
        "/": 14,  # four figures, the categories; the city and its outcome figures (counts, days, ratings, names)
    }, large


def _grow_needs(app, people, count, start):
    """`count` more needs in the community, each supported and commented, some merged into a request."""
    from market.accounts.models import User
    from market.needs import needs, triage
    from market.needs.models import Need

    with command(app):
        category = db.session.scalar(db.select(ServiceCategory.id))
        author = db.session.get(User, people["resident"])
        ids = []
        for i in range(start, start + count):
            need = needs.post_need(author, needs.NeedData(f"需求标题第{i}号", f"这是第{i}条需求的详细描述文字。",
                                                                category, "normal", 3))
            needs.support_need(db.session.get(User, people["neighbour"]), db.session.get(Need, need.id))
            needs.add_comment(db.session.get(User, people["neighbour"]), db.session.get(Need, need.id), f"评论{i}")
            ids.append(need.id)
        worker = db.session.get(User, people["worker"])
        data = triage.RequestData(f"合并请求{start}", "描述", category, 5, 100_000, "government_purchase")
        request = triage.create_request(worker, ids[:2], data)
        return ids[-1], request.id


def test_needs_pages_query_count_does_not_grow(client, app, make_user, count_queries, places, login):
    from market.accounts.roles import Role

    people = {
        "resident": make_user("r@example.cn", community=places["community"]),
        "neighbour": make_user("n@example.cn", community=places["community"]),
        "worker": make_user("w@example.cn", roles={Role.COMMUNITY_WORKER: places["community"]}),
    }
    login("r@example.cn")
    need, request = _grow_needs(app, people, 3, 0)
    urls = lambda need, request: {  # noqa: E731
        "community": f"/places/community/{places['community']}", "need": f"/needs/{need}",
        "request": f"/requests/{request}", "notifications": "/notifications",
        "street": f"/places/street/{places['street']}", "district": f"/places/district/{places['district']}",
    }
    small = {name: _queries(client, count_queries, url) for name, url in urls(need, request).items()}
    need, request = _grow_needs(app, people, 12, 3)
    large = {name: _queries(client, count_queries, url) for name, url in urls(need, request).items()}
    assert small == large, (small, large)
    # 5 of each are the signed-in person; the rest is the page's own, fixed whatever the data. (On the need
    # page the person is its author, loaded already: 1 query reads their session.)
    assert large == {"community": 16, "need": 16, "request": 13, "notifications": 7, "street": 10, "district": 10}
    client.submit("/logout", {})
    login("w@example.cn")
    with count_queries() as counter:
        assert client.get("/worker/needs?sort=urgency").status_code == 200
    first = counter.count
    _grow_needs(app, people, 10, 20)
    with count_queries() as counter:
        assert client.get("/worker/needs?sort=urgency").status_code == 200
    assert counter.count == first


def test_tender_pages_query_count_does_not_grow(client, app, count_queries, frozen, tender_world):
    from market.procurement import questions
    from market.procurement.models import Tender

    world = tender_world
    world["tender"] = published_tender(app, world)
    bid(app, world, 0)
    frozen.advance(days=22)

    def measure():
        urls = ("/procurement/tenders", f"/procurement/tenders/{world['tender']}")
        for url in urls:  # the first read after the opening time opens the bids: a one-off write
            client.get(url)
        return {url: _queries(client, count_queries, url) for url in urls}

    small = measure()
    with command(app):  # more tenders, more questions, more opened bids
        for _ in range(5):
            frozen.advance(days=-22)
            tender_id = published_tender(app, world)
            world["tender_more"] = tender_id
            for n in range(3):
                world_tender, world["tender"] = world["tender"], tender_id
                bid(app, world, n)
                world["tender"] = world_tender
            from market.accounts.models import User

            questions.ask(
                db.session.get(User, world["owner0"]),
                db.session.get(Tender, tender_id),
                world["org0"],
                "周末是否送餐？",
            )
            frozen.advance(days=22)
    assert measure() == small
    # The tender page: 21 of its own (its catalog item's minimum grade and who may still challenge among
    # them), the grades behind the bidders' badges and its public audit events.
    assert small == {"/procurement/tenders": 5, f"/procurement/tenders/{world['tender']}": 23}

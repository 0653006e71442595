"""Following the money: public pages, charts, CSV, and one payment under concurrent requests."""
import re

from market.accounts.roles import Role
from market.contracts import payment
from market.contracts.models import Acceptance, Contract, contract_community
from market.core.unit import command
from market.extensions import db
from market.money import ledger
from market.money import services as money
from market.money.models import LedgerTransaction, Payment
from tests.factories import BUDGET_FEN, at_once, contract, http_session, report, signed, user


def paid_first_tranche(app, world):
    report(app, world, 0)
    with command(app):
        c = contract(world)
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        payment.pay(user(world["buyer"]), contract(world), c.milestones[0].id)


def more_contracts(app, world, places, n):
    """Copies of the signed contract, to measure pages at a larger size."""
    with command(app):
        base = contract(world)
        for i in range(n):
            copy = Contract(
                number=f"{base.number}-{i}",
                department_id=base.department_id,
                organization_id=world[f"org{i % 3}"],
                category_id=base.category_id,
                title=f"{base.title}（{i}）",
                service_standards="标准",
                price_fen=1_000_000,
                ceiling_fen=1_000_000,
                starts_on=base.starts_on,
                ends_on=base.ends_on,
                payment_days=30,
                status="active",
                created_at=base.created_at,
                created_by_id=base.created_by_id,
            )
            db.session.add(copy)
            db.session.flush()
            db.session.execute(
                contract_community.insert().values(contract_id=copy.id, community_id=places["community"])
            )
            money.commit(money.budget(base.department_id), copy.id, 1_000_000)
        db.session.commit()


PAGES = ("/money", "/money/department/{department}", "/money/community/{community}", "/money/street/{street}",
         "/money/category/{category}", "/contracts")


def test_public_pages_agree_with_the_ledger(app, awarded, frozen, client, places):
    world = signed(app, awarded, frozen)
    paid_first_tranche(app, world)
    with command(app):
        category = contract(world).category_id
    ids = dict(places, category=category)
    for template in PAGES:
        page = client.get(template.format(**ids)).get_data(as_text=True)
        assert "桐芳社区老年助餐服务项目" in page, template
        if template != "/contracts":
            assert "¥120,000.00" in page and "¥36,000.00" in page, template  # contracted, paid
    other = client.get(f"/money/community/{places['other_community']}").get_data(as_text=True)
    assert "尚无已签署的合同" in other
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "¥36,000.00" in page and "ledger-payout-milestone-" in page
    timeline = client.get(f"/requests/{world['request']}").get_data(as_text=True)
    assert "签订合同" in timeline and "验收通过" in timeline and "已为“" in timeline
    csv_text = client.get(f"/money/street/{places['street']}/contracts.csv").get_data().decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("合同编号,") and "120000,36000,0" in csv_text
    chart = client.get(f"/money/department/{places['department']}/chart.svg")
    assert chart.mimetype == "image/svg+xml" and "<svg" in chart.get_data(as_text=True)
    assert "script-src" not in chart.headers["Content-Security-Policy"]
    assert "养老" in chart.get_data(as_text=True)


def test_budget_is_recorded_once_by_its_department(app, tender_world, client, login, places):
    url = f"/money/department/{places['department']}"
    assert client.post(url, data={}).status_code in (400, 403)
    login("org1@example.cn")
    assert client.post(url, data={}).status_code in (400, 403)
    client.submit("/logout", {})
    login("buyer@example.cn")
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="once"[^>]*value="([0-9a-f]+)"', page).group(1)
    data = {"amount": "50,000", "reference": "苏财预〔2026〕25号", "confirmed": "y", "once": token}
    assert client.submit(url, data).status_code == 302
    assert client.submit(url, data).status_code == 302  # the same form sent twice
    assert "请以元为单位" in client.submit(url, {**data, "amount": "五万", "once": "c4" * 16}).get_data(as_text=True)
    # The box left unticked: named once, at the field (the browser lists it again at the top,
    # static/js/market.js), not also as a message above the page.
    unticked = {k: v for k, v in data.items() if k != "confirmed"}
    assert client.submit(url, {**unticked, "once": "c5" * 16}).get_data(as_text=True).count("请勾选确认框后再提交") == 1
    with command(app):
        assert ledger.balance("department", places["department"], "budget") == BUDGET_FEN + 5_000_000


def test_money_pages_run_a_fixed_number_of_queries(app, awarded, frozen, client, places, count_queries):
    world = signed(app, awarded, frozen)
    paid_first_tranche(app, world)
    with command(app):
        category = contract(world).category_id
    ids = dict(places, category=category)

    def counts():
        result = {}
        for template in PAGES + ("/contracts/{contract}",):
            url = template.format(**ids, contract=world["contract"])
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            result[url] = counter.count
        return result

    small = counts()
    more_contracts(app, world, places, 6)
    assert counts() == small


def test_two_acceptances_and_two_payments_at_once_pay_exactly_once(app, awarded, frozen, live_server, make_user,
                                                                   places):
    world = signed(app, awarded, frozen)
    make_user("buyer2@example.cn", "钱晓东", roles={Role.PURCHASER: places["department"]})
    report(app, world, 0)
    with command(app):
        milestone_id = contract(world).milestones[0].id
    page = f"{live_server}/contracts/{world['contract']}"
    sessions = [http_session(live_server, "buyer@example.cn"), http_session(live_server, "buyer2@example.cn")]
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(page).text).group(1) for s in sessions]

    def post(session, token, action, data=None):
        return lambda: session.post(f"{page}/milestones/{milestone_id}/{action}",
                                    data={"csrf_token": token, "confirmed": "y", **(data or {})},
                                    allow_redirects=False).status_code

    decided = at_once([post(s, t, "decide", {"decision": "accepted"}) for s, t in zip(sessions, tokens)])
    paid = at_once([post(s, t, "pay") for s, t in zip(sessions, tokens)])
    assert decided == [302, 302] and paid == [302, 302]
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Acceptance.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
        postings = db.session.scalars(db.select(LedgerTransaction.kind).filter_by(milestone_id=milestone_id)).all()
        assert sorted(postings) == ["payable", "payment"]
        assert ledger.balance("contract", world["contract"], "paid") == 3_600_000
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []

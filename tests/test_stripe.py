"""The stripe provider: the real Stripe SDK over HTTP against a local stand-in, and webhooks
signed the way Stripe signs them."""
import json
import time

import pytest

from market import clock
from market.contracts import payment
from market.core.errors import ServiceError
from market.core.unit import command
from market.extensions import db
from market.money import ledger, payments
from market.money.models import IncomingPayment, Payment, PayoutAccount, WebhookEvent
from tests.factories import contract, event, now_at, post_webhook, report, signature, signed, user


def onboard(app, world, standin, client, login):
    """The organization sets up payouts: Market creates a Connect account and sends them to Stripe."""
    login("org2@example.cn")
    response = client.submit(f"/money/organizations/{world['org2']}/payouts", {})
    assert response.status_code == 302 and response.location.startswith(standin.url + "/onboarding/acct_")
    account_id = response.location.rsplit("/", 1)[1]
    assert "设置尚未完成" in client.get(f"/money/organizations/{world['org2']}/payouts").get_data(as_text=True)
    standin.finish_onboarding(account_id)
    page = client.get(f"/money/organizations/{world['org2']}/payouts").get_data(as_text=True)
    assert "可以接收付款" in page
    client.submit("/logout", {})
    return account_id


def accepted_first_milestone(app, world):
    report(app, world, 0)
    with command(app):
        c = contract(world)
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        return c.milestones[0].id


def test_a_tranche_is_paid_by_a_connect_transfer_once(app, awarded, frozen, standin, client, login):
    world = signed(app, awarded, frozen)
    milestone_id = accepted_first_milestone(app, world)
    with command(app):
        with pytest.raises(ServiceError) as refused:
            payment.pay(user(world["buyer"]), contract(world), milestone_id)
        assert refused.value.code == "payout_failed" and refused.value.__cause__.code == "payout_account_not_ready"
        assert contract(world).milestones[0].status == "accepted"  # nothing moved
    account_id = onboard(app, world, standin, client, login)
    with command(app):
        payout = payment.pay(user(world["buyer"]), contract(world), milestone_id)
        assert payout.status == "settled" and payout.reference.startswith("tr_standin") and payout.attempts == 2
        transfer = standin.objects["tr"][payout.reference]
        assert transfer["destination"] == account_id and transfer["amount"] == 3_600_000
        assert transfer["currency"] == "cny"
        keys = [key for method, path, key in standin.requests if path == "/v1/transfers"]
        assert keys == [f"payout-milestone-{milestone_id}"]
        assert ledger.balance("contract", world["contract"], "paid") == 3_600_000
        assert payments.reconcile() == []


def test_a_refused_transfer_pays_nothing_and_a_retry_pays_once(app, awarded, frozen, standin, client, login):
    world = signed(app, awarded, frozen)
    milestone_id = accepted_first_milestone(app, world)
    onboard(app, world, standin, client, login)
    standin.fail_transfers = True
    with command(app):
        with pytest.raises(ServiceError, match="Insufficient funds") as refused:  # the provider's own words
            payment.pay(user(world["buyer"]), contract(world), milestone_id)
        assert refused.value.code == "payout_failed" and refused.value.__cause__.code == "provider_refused"
        c = contract(world)
        assert c.milestones[0].status == "accepted" and ledger.balance("contract", c.id, "paid") == 0
        assert db.session.scalar(db.select(Payment)).status == "failed"
    standin.fail_transfers = False
    with command(app):
        payment.pay(user(world["buyer"]), contract(world), milestone_id)
        # The provider answers a repeated key with the same transfer: a retry after a lost answer pays once.
        provider = payments.provider()
        again = provider.payout(3_600_000, world["org2"], f"payout-milestone-{milestone_id}", "重试")
        assert len(standin.objects["tr"]) == 1 and again in standin.objects["tr"]


def test_card_payments_settle_by_signed_webhook_and_replays_are_ignored(app, standin, client, make_user):
    payer = make_user("donor@example.cn", "李慧")
    with command(app):
        incoming = payments.collect(user(payer), "pool", 1, 50_000, "gift-1", "公益创投捐赠")
        assert incoming.status == "pending" and incoming.client_secret.endswith("_secret_standin")
        assert ledger.balance("pool", 1, "pool") == 0  # not until Stripe confirms
        intent = standin.customer_pays(incoming.reference)
    payload = event("evt_1", "payment_intent.succeeded", intent)
    assert post_webhook(client, payload, signature(payload, "whsec_wrong")).status_code == 400
    assert post_webhook(client, payload, signature(payload, at=now_at() - 600)).status_code == 400  # stale
    tampered = payload.replace(b'"amount": 50000', b'"amount": 5000000')
    assert post_webhook(client, tampered, signature(payload)).status_code == 400
    response = post_webhook(client, payload, signature(payload))
    assert response.status_code == 200 and response.get_json()["outcome"] == "settled"
    replay = post_webhook(client, payload, signature(payload))
    assert replay.status_code == 200 and replay.get_json()["outcome"] == "replay ignored"
    with command(app):
        assert ledger.balance("pool", 1, "pool") == 50_000
        record = db.session.scalar(db.select(IncomingPayment))
        assert record.status == "succeeded"
        payments.refund(user(payer), record, "项目取消")
        assert ledger.balance("pool", 1, "pool") == 0 and len(standin.objects["re"]) == 1
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []


def test_account_updates_arrive_by_webhook(app, standin, client, tender_world):
    with command(app):
        db.session.add(PayoutAccount(organization_id=tender_world["org1"], provider="stripe",
                                     external_id="acct_remote1", ready=False, updated_at=db.func.now()))
        db.session.commit()
    payload = event("evt_2", "account.updated", {"id": "acct_remote1", "object": "account", "payouts_enabled": True,
                                                  "details_submitted": True})
    assert post_webhook(client, payload, signature(payload)).status_code == 200
    with command(app):
        assert db.session.scalar(db.select(PayoutAccount)).ready is True


def test_reconciliation_reports_transfers_the_ledger_does_not_know(app, awarded, frozen, standin, client, login):
    world = signed(app, awarded, frozen)
    milestone_id = accepted_first_milestone(app, world)
    onboard(app, world, standin, client, login)
    with command(app):
        payment.pay(user(world["buyer"]), contract(world), milestone_id)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["money", "reconcile"])
    assert result.exit_code == 0 and "agrees" in result.output
    standin.objects["tr"]["tr_outside"] = {
        "id": "tr_outside",
        "object": "transfer",
        "amount": 99_900,
        "currency": "cny",
        "metadata": {"key": "manual"},
        "destination": "acct_x",
    }
    result = runner.invoke(args=["money", "reconcile"])
    assert result.exit_code == 1 and "missing_in_ledger: manual" in result.output and "¥999.00" in result.output


def test_a_signed_event_without_an_id_or_an_object_is_refused_with_a_message(app, standin, client, frozen):
    frozen.at = clock.SystemClock().now()  # the app's clock agrees with the machine's, as in production
    intent = {"id": "pi_standin_x", "object": "payment_intent", "amount": 50_000}
    bodies = [
        {"object": "event", "type": "payment_intent.succeeded", "data": {"object": intent}},  # no id
        {"id": "", "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent}},
        {"id": "evt_no_object", "object": "event", "type": "payment_intent.succeeded", "data": {}},
        {"id": "evt_no_data", "object": "event", "type": "payment_intent.succeeded"},
        {"id": "evt_text_object", "object": "event", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}},
        {"id": "evt_object_no_id", "object": "event", "type": "payment_intent.succeeded",
         "data": {"object": {"object": "payment_intent"}}},
        {"id": "evt_account_no_id", "object": "event", "type": "account.updated", "data": {"object": {}}},
        {"id": "evt_no_type", "object": "event", "data": {"object": intent}},
        {"id": ["evt_list"], "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent}},
        ["evt_not_an_object"],
    ]
    for body in bodies:
        payload = json.dumps(body).encode()
        response = post_webhook(client, payload, signature(payload))
        assert response.status_code == 400, (body, response.status_code)
        assert response.is_json and response.get_json()["error"] not in ("", "invalid signature"), body
    nan = b'{"id": "evt_nan", "object": "event", "type": "ping", "data": {"object": {"amount": NaN}}}'
    for payload in (b"not json", b"null", nan, b"[" * 100_000 + b"]" * 100_000):
        response = post_webhook(client, payload, signature(payload))
        assert response.status_code == 400 and response.get_json()["error"], payload
    with command(app):
        assert db.session.scalar(db.select(db.func.count(WebhookEvent.id))) == 0


def test_a_signature_dated_ahead_of_the_clock_is_refused_like_a_stale_one(app, standin, client, make_user):
    payer = make_user("donor@example.cn", "李慧")
    with command(app):
        incoming = payments.collect(user(payer), "pool", 1, 50_000, "gift-future", "公益创投捐赠")
        intent = standin.customer_pays(incoming.reference)
    payload = event("evt_future", "payment_intent.succeeded", intent)
    # A day ahead of market.clock, a day ahead of the machine's time (the SDK alone accepts it), and
    # a day behind: each refused, and nothing is settled.
    for at in (now_at() + 86_400, int(time.time()) + 86_400, now_at() - 86_400, now_at() + 301):
        response = post_webhook(client, payload, signature(payload, at=at))
        assert response.status_code == 400 and response.get_json() == {"error": "invalid signature"}, at
    with command(app):
        assert ledger.balance("pool", 1, "pool") == 0
        assert db.session.scalar(db.select(db.func.count(WebhookEvent.id))) == 0
    # Within the tolerance either way of the clock (the two machines' clocks differ a little): accepted.
    response = post_webhook(client, payload, signature(payload, at=now_at() + 240))
    assert response.status_code == 200 and response.get_json()["outcome"] == "settled"
    again = event("evt_future_copy", "payment_intent.succeeded", intent)
    response = post_webhook(client, again, signature(again, at=now_at() - 240))
    assert response.status_code == 200 and response.get_json()["outcome"] == "nothing to settle"
    with command(app):
        assert ledger.balance("pool", 1, "pool") == 50_000

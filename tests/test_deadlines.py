"""Deadlines that move by themselves (rules/deadlines.py, notifications/reminders.py, `flask tasks`):
the clock moves past a milestone's date and the report is flagged on the contract, the desk and the
scorecard; `flask tasks run-due` reminds the organization once per stage however often it runs; the
daily digest collects a day's notifications into one mail; thresholds are rules data."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts.models import Milestone
from market.core import mail
from market.core.unit import command
from market.extensions import db
from market.notifications.models import Notification, Reminder
from market.notifications.reminders import stage
from market.notifications.wording import describe
from market.procurement import questions
from market.procurement.models import Tender
from market.rules import deadlines
from market.rules.models import RuleSet
from tests.factories import contract, published_tender, signed, user


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["tasks", *args])
    assert result.exit_code == 0, result.output
    return result.output


def move_to(frozen, day: date) -> None:
    frozen.advance(days=(day - frozen.now().date()).days)


def mails_to(app, email: str) -> list[dict]:
    """The mail about the contract (the tender's steps were mailed to the bidders before)."""
    with app.app_context():
        return [m for m in mail.outbox_messages() if m["to"] == email and "/contracts/" in m["body"]]


def test_thresholds_and_stages():
    limits = deadlines.Thresholds(due_soon_days=7, long_overdue_days=30, remind_days_before=3,
                                  remind_every_days_after=7, late_reports_to_flag=2, assessment_every_days=120)
    due = date(2026, 12, 10)
    states = {d: deadlines.state(due, due + timedelta(days=d), limits) for d in (-8, -7, 0, 1, 30, 31)}
    assert states == {-8: None, -7: "due_soon", 0: "due_soon", 1: "overdue", 30: "overdue", 31: "long_overdue"}
    stages = {d: stage(due, due + timedelta(days=d), limits) for d in (-4, -3, 0, 1, 7, 8, 15)}
    assert stages == {-4: None, -3: "before", 0: "before", 1: "late-0", 7: "late-0", 8: "late-1", 15: "late-2"}


def test_a_late_report_is_flagged_everywhere_and_reminded_once_per_stage(app, client, awarded, frozen, login):
    world = signed(app, awarded, frozen)
    with command(app):
        first = contract(world).milestones[0]
        due, contract_id, organization_id = first.due_on, first.contract_id, contract(world).organization_id
        owner = user(world["owner2"])
        owner.mail_frequency = "each"  # this owner wants each reminder as it happens
        email = owner.email
    move_to(frozen, due - timedelta(days=10))
    assert "0 reminders sent" in run(app, "run-due")

    move_to(frozen, due - timedelta(days=3))
    assert "1 reminders sent" in run(app, "run-due")
    assert "0 reminders sent" in run(app, "run-due")  # the same stage is never sent twice
    (before,) = mails_to(app, email)
    assert due.isoformat() in before["body"]

    move_to(frozen, due + timedelta(days=1))
    assert "1 reminders sent" in run(app, "run-due")
    assert "0 reminders sent" in run(app, "run-due")
    assert len(mails_to(app, email)) == 2
    with command(app):
        assert db.session.scalar(select(Reminder.stage).where(Reminder.stage == "late-0")) == "late-0"

    # Flagged on the contract, the organization's desk and its scorecard.
    login(email)
    page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert 'data-test="report-flag"' in page and "overdue" in page
    desk = client.get("/desk").get_data(as_text=True)
    assert 'data-test="pile-organization-reports_due"' in desk and 'class="badge overdue" data-test="flag"' in desk
    card = client.get(f"/evaluation/organizations/{organization_id}").get_data(as_text=True)
    late = re.search(r'data-test="reports-late">([^<]*)<', card).group(1)
    assert re.findall(r"\d+", late) == ["12", "1", "1"] or re.findall(r"\d+", late) == ["1", "12", "1"], late

    # A month later it is long overdue; the weekly reminder keeps coming, once a week.
    move_to(frozen, due + timedelta(days=31))
    assert "1 reminders sent" in run(app, "run-due")
    assert 'class="badge long_overdue" data-test="flag"' in client.get("/desk").get_data(as_text=True)

    # Reported at last: no more reminders, no flag.
    from tests.factories import report

    report(app, world)
    move_to(frozen, due + timedelta(days=40))
    assert "0 reminders sent" in run(app, "run-due")
    assert 'data-test="report-flag"' not in client.get(f"/contracts/{contract_id}").get_data(as_text=True)


def test_the_daily_digest_collects_a_days_notifications_into_one_mail(app, awarded, frozen):
    world = signed(app, awarded, frozen)
    with command(app):
        first = contract(world).milestones[0]
        due = first.due_on
        email = user(world["owner2"]).email
        assert user(world["owner2"]).mail_frequency == "daily"  # the default
    # What the tender and the signing told the bidders, the buyer and the expert goes out first.
    assert re.match(r"[1-9]\d* digests sent", run(app, "digest"))
    earlier = len(mails_to(app, email))
    move_to(frozen, due - timedelta(days=3))
    run(app, "run-due")
    move_to(frozen, due + timedelta(days=1))
    run(app, "run-due")
    assert len(mails_to(app, email)) == earlier  # nothing by mail before the next digest
    assert "1 digests sent" in run(app, "digest")
    mailed = mails_to(app, email)  # newest first
    assert len(mailed) == earlier + 1
    digest = mailed[0]
    with command(app):
        told = db.session.scalars(select(Notification).join(User).where(User.email == email)).all()
        assert [n.kind for n in told].count("report_reminder") == 2 and all(n.mailed_at for n in told)
    assert digest["body"].count("\n- ") == 2
    assert "0 digests sent" in run(app, "digest")  # each notification is mailed once


def test_who_wants_no_mail_gets_none_but_sees_the_notification(app, awarded, frozen):
    world = signed(app, awarded, frozen)
    with command(app):
        owner = user(world["owner2"])
        owner.mail_frequency, email = "never", owner.email
        due = contract(world).milestones[0].due_on
    move_to(frozen, due + timedelta(days=1))
    run(app, "run-due")
    run(app, "digest")
    assert mails_to(app, email) == []
    with command(app):
        kinds = db.session.scalars(select(Notification.kind).join(User).where(User.email == email)).all()
        assert "report_reminder" in kinds and "bidder_tender_awarded" in kinds


def test_thresholds_are_rules_data_with_an_effective_date(app, awarded, frozen):
    """A new rule version, in force from a date, changes when a report counts as long overdue."""
    world = signed(app, awarded, frozen)
    with command(app):
        due = contract(world).milestones[0].due_on
        current = db.session.scalar(select(RuleSet).order_by(RuleSet.version.desc()))
        values = {**current.values, "deadlines": {**current.values["deadlines"], "long_overdue_days": 10}}
        added = RuleSet(city_id=current.city_id, version=current.version + 1, effective_from=due, values=values,
                        source="测试", created_at=frozen.now())
        db.session.add(added)
        db.session.commit()
        try:  # rule sets are reference data, kept between tests: this version goes again at the end
            assert deadlines.state(due, due + timedelta(days=11)) == "long_overdue"
            assert deadlines.state(due, due + timedelta(days=11), deadlines.thresholds(due - timedelta(days=1))) \
                == "overdue"  # the version in force the day before still says 30 days
            assert db.session.scalar(select(Milestone.status).where(Milestone.due_on == due)) == "pending"
        finally:
            db.session.execute(db.delete(RuleSet).where(RuleSet.id == added.id))
            db.session.commit()


def test_an_unanswered_question_is_reminded_before_bidding_closes(app, tender_world, frozen):
    world = tender_world
    tender_id = published_tender(app, world)
    with command(app):
        tender = db.session.get(Tender, tender_id)
        questions.ask(user(world["owner0"]), tender, world["org0"], "是否接受联合体投标？")
        closes = clock.china_date(tender.bid_deadline)
    move_to(frozen, closes - timedelta(days=4))
    assert "0 reminders sent" in run(app, "run-due")
    move_to(frozen, closes - timedelta(days=3))
    assert "1 reminders sent" in run(app, "run-due")  # the department's one purchaser
    assert "0 reminders sent" in run(app, "run-due")
    with command(app):
        (told,) = db.session.scalars(select(Notification).filter_by(kind="question_reminder")).all()
        assert told.user_id == world["buyer"] and closes.isoformat() in describe(told.kind, told.detail)

"""A need's journey (needs/journey.py): the stages read from the public timeline every area writes,
how long each took, where it stands, and its end when the community declines or closes it; and a
need followed from its post through a tender, a contract, a published evaluation to its ratings."""
from datetime import datetime, timedelta

from market.core.unit import command
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation
from market.extensions import db
from market.needs import journey, needs, timeline
from market.needs.models import NEED_MACHINE, Need, TimelineEvent
from market.notifications.models import Notification
from market.notifications.wording import describe
from market.organizations.models import ServiceCategory
from tests.factories import commission, deliver, rate_three, score_all, signed, user

AT = datetime(2026, 3, 2, 1, 0)


def told(*kinds, **details) -> list[TimelineEvent]:
    """A timeline of these steps, ten days apart (a step's detail: keyword of its kind)."""
    return [TimelineEvent(kind=kind, detail=details.get(kind, {}), at=AT + timedelta(days=10 * n))
            for n, kind in enumerate(kinds)]


def states(found: journey.Journey) -> dict[str, str]:
    return {step.stage.key: step.state for step in found.steps}


def test_each_stage_reads_from_the_timeline_and_a_stop_says_why(app):
    with app.app_context():
        posted = journey.journey_of(told("need_posted"))
        assert posted.current.key == "posted" and not posted.ended and not posted.done
        assert states(posted)["posted"] == "current" and states(posted)["request"] == "waiting"

        forwarded = journey.journey_of(told("need_posted", "need_merged", "request_forwarded"))
        assert forwarded.current.key == "forwarded"
        assert {k: v for k, v in states(forwarded).items() if k in ("posted", "agenda", "request", "hearing")} == {
            "posted": "done", "agenda": "passed", "request": "done", "hearing": "passed"}
        assert [s.days for s in forwarded.steps if s.reached_at][:2] == [10, 10]  # posted → merged → forwarded

        declined = journey.journey_of(told("need_posted", "need_declined",
                                           need_declined={"reason": "由社区志愿者自行解决"}))
        assert declined.ended is not None and declined.ended_reason == "由社区志愿者自行解决"
        assert declined.current.key == "posted" and not declined.done
        assert declined.steps[0].days == 10  # counted to the stop, not to today

        # A request the community handles itself ends its journey well, with no tender to wait for.
        in_community = journey.journey_of(told("need_posted", "need_merged", "request_forwarded",
                                               request_forwarded={"track": "self_governance"}))
        assert in_community.answered_in_community and in_community.ended is not None
        assert in_community.current.key == "forwarded" and in_community.steps[0].days == 10

        # A request made without its own step: the required stage before the furthest one still happened.
        unrecorded = journey.journey_of(told("need_posted", "request_forwarded"))
        assert states(unrecorded)["request"] == "done" and states(unrecorded)["agenda"] == "passed"

        closed = journey.journey_of(told("need_posted", "need_merged", "request_closed",
                                         request_closed={"reason": "居委会已协调物业处理"}))
        assert closed.current.key == "request" and closed.ended_reason == "居委会已协调物业处理"

        # A tender that failed and ran again shows both; the journey goes on.
        rerun = journey.journey_of(told("need_posted", "need_merged", "request_forwarded", "tender_published",
                                        "tender_failed", "tender_published", "tender_awarded"))
        assert rerun.current.key == "chosen" and len(rerun.setbacks) == 1 and not rerun.ended

        # Venture philanthropy reaches the same stages through a round and a grant agreement.
        drafted = journey.journey_of(told("need_posted", "need_merged", "request_forwarded", "round_opened",
                                          "project_selected", "grant_agreed"))
        assert drafted.current.key == "chosen"  # a grant agreement drafted, not yet signed: no service yet
        grant = journey.journey_of(told("need_posted", "need_merged", "request_forwarded", "round_opened",
                                        "project_selected", "grant_agreed", "contract_signed"))
        assert grant.current.key == "started" and states(grant)["call"] == states(grant)["chosen"] == "done"

        # A request closed once its service runs is not a stop.
        after = journey.journey_of(told("need_posted", "need_merged", "request_forwarded", "tender_published",
                                        "tender_awarded", "contract_signed", "request_closed"))
        assert after.current.key == "started" and after.ended is None

        # A community request's journey starts at the request.
        request = journey.journey_of(told("request_created", "request_forwarded"), start="request")
        assert [s.stage.key for s in request.steps][0] == "request" and request.current.key == "forwarded"


def test_a_need_followed_from_its_post_to_its_ratings(app, tied, client):
    """A resident's need joins the request the tender answers; the journey follows it to the contract,
    the accepted milestones, the published evaluation and the residents' ratings."""
    world = tied
    with command(app):
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
        need = needs.post_need(user(world["neighbour0"]), needs.NeedData(
            "楼里独居老人吃饭难", "希望有人每天送午饭。", elderly, "high", 12))
        need_id = need.id
        need.request_id = world["request"]
        NEED_MACHINE.move(need, "merged", user(world["worker"]), "")
        timeline.record("need_merged", user(world["worker"]), need=need, title="老年助餐服务",
                        request_id=world["request"])
    with command(app):
        now = journey.journey_of(timeline.for_need(db.session.get(Need, need_id)))
        assert now.current.key == "started" and now.current.holder  # signed when the fixture began

    rate_three(app, world)  # residents rate before anything is delivered: no result yet
    with command(app):
        early = journey.journey_of(timeline.for_need(db.session.get(Need, need_id)))
        assert early.current.key == "started" and not early.done and early.ratings == 3
    deliver(app, world, [0, 1])
    evaluation_id = commission(app, world, "mid_term")
    score_all(app, world, evaluation_id)
    with command(app):
        evaluations.publish(user(world["buyer"]), db.session.get(Evaluation, evaluation_id))
    with command(app):
        done = journey.journey_of(timeline.for_need(db.session.get(Need, need_id)))
        assert done.done and done.current.key == "rated" and (done.ratings, done.stars) == (3, 4.0)
        assert all(s.state in ("done", "passed", "current") for s in done.steps)
        assert all(s.days is None or s.days >= 0 for s in done.steps)

    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert 'data-test="journey"' in page and 'data-test="stage-rated" aria-current="step"' in page
    assert "3 位居民评价" in page or "3 residents" in page


def test_the_residents_who_asked_hear_when_a_service_answering_them_starts(app, awarded, frozen, make_user, places):
    """The author and the neighbours who supported the need hear once, when the contract is signed."""
    world = awarded
    asker = make_user("asker@example.cn", "李阿姨", community=places["community"])
    backer = make_user("backer@example.cn", "王伯伯", community=places["community"])
    with command(app):
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
        need = needs.post_need(user(asker), needs.NeedData("楼里独居老人吃饭难", "希望有人每天送午饭。", elderly,
                                                           "high", 12))
        needs.support_need(user(backer), need)
        need.request_id = world["request"]
        NEED_MACHINE.move(need, "merged", user(world["worker"]), "")
        need_id = need.id
    signed(app, world, frozen)
    with command(app):
        told = db.session.scalars(db.select(Notification).filter_by(kind="service_started_for_need")).all()
        assert sorted(n.user_id for n in told) == sorted([asker, backer])
        assert all(n.endpoint_values == {"need_id": need_id} for n in told)
        words = describe(told[0].kind, told[0].detail)
        assert "楼里独居老人吃饭难" in words and "社会组织2号" in words

"""Venture-philanthropy pages: rounds, proposals, reviews and pitches, gifts and the match. Thin views."""
from datetime import timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length

from market.core import scoring
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import (
    ConfirmedForm,
    ConfirmForm,
    ReasonForm,
    fen_from,
    options,
    run_action,
    run_form,
    show_service_error,
)
from market.core.pagination import paginate
from market.evaluation import rubrics
from market.extensions import db
from market.needs.models import CommunityRequest
from market.organizations import services as organizations
from market.philanthropy import closing, giving, proposals, review, rounds
from market.philanthropy.actions import PROPOSAL_ACTIONS, ROUND_ACTIONS, giving_open
from market.philanthropy.forms import (
    AdvanceForm,
    DonationForm,
    FundingForm,
    PitchForm,
    ProposalDeclarationForm,
    ProposalForm,
    ReviewerForm,
    ReviewForm,
    RoundForm,
    ScreenForm,
    SelectionForm,
    ShortlistForm,
)
from market.philanthropy.models import FUNDER_KINDS, POTS, PROPOSAL_MACHINE, ROUND_MACHINE, ROUND_PHASES, Donation

bp = Blueprint("philanthropy", __name__, url_prefix="/rounds")
NEXT_PHASE = {"agreement": "delivery", "delivery": "midterm", "midterm": "final", "final": "closed"}


def _labels() -> dict:
    return {"round_machine": ROUND_MACHINE, "proposal_machine": PROPOSAL_MACHINE, "POTS": POTS,
            "FUNDER_KINDS": FUNDER_KINDS, "PHASES": ROUND_PHASES, "centipoints": scoring.from_centipoints}


def _request_choices():
    found = db.session.scalars(select(CommunityRequest).where(
        CommunityRequest.status == "forwarded", CommunityRequest.track == "venture_philanthropy")
        .order_by(CommunityRequest.id.desc()).limit(200)).all()
    return options((r.id, f"{r.community.name} · {r.title}") for r in found)


@bp.route("/")
def index():
    status = request.args.get("status") if request.args.get("status") in ROUND_MACHINE.labels else None
    return render_template("philanthropy/index.html", page=paginate(rounds.rounds_select(status)),
                           may_open=bool(rounds.sponsor_choices(current_user)), **_labels())


# --- a round ----------------------------------------------------------------------------------------

def _round_form(form: RoundForm) -> None:
    form.sponsor.choices = options(rounds.sponsor_choices(current_user))
    form.rubric_id.choices = options((r.id, r.name) for r in rubrics.published("proposal"))
    form.request_ids.choices = _request_choices()


def _round_data(form: RoundForm) -> rounds.RoundData:
    match_cap = (form.match_cap.data or "").strip()
    return rounds.RoundData(
        sponsor=form.sponsor.data, title=form.title.data, themes=form.themes.data,
        description=form.description.data or "", rubric_id=form.rubric_id.data,
        max_grant_fen=fen_from(form.max_grant.data, "max_grant"),
        match_cap_fen=fen_from(match_cap, "match_cap") if match_cap else None,
        donor_cap_fen=fen_from(form.donor_cap.data, "donor_cap"), max_age_years=form.max_age_years.data,
        incubated_only=form.incubated_only.data,
        max_grade=int(form.max_grade.data) if form.max_grade.data not in (None, "", "None") else None,
        pitch_weight=form.pitch_weight.data, proposals_due_at=to_utc(form.proposals_due_at.data),
        giving_ends_at=to_utc(form.giving_ends_at.data), request_ids=form.request_ids.data or [])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not rounds.sponsor_choices(current_user):
        raise PermissionDenied(_("Rounds are opened by purchasers, and by members of approved organizations that "
                                 "sponsor them (a foundation, an incubator operator)."))
    form = RoundForm()
    _round_form(form)
    done = run_form(form, lambda: rounds.create_round(current_user, _round_data(form)),
                    _("The round is saved as a draft. Put money in its pools, then open the call."),
                    lambda r: url_for("philanthropy.round", round_id=r.id))
    return done or render_template("philanthropy/round_form.html", form=form, round=None)


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit(round_id: int):
    found = rounds.get_round(current_user, round_id)
    verdicts = ROUND_ACTIONS.of(current_user, found)
    if not verdicts.can("edit"):
        raise PermissionDenied(verdicts.why("edit"))
    form = RoundForm()
    _round_form(form)
    if request.method == "GET":
        form.sponsor.data = f"department:{found.department_id}" if found.department_id \
            else f"organization:{found.organization_id}"
        for name in ("title", "themes", "description", "rubric_id", "max_age_years", "incubated_only",
                     "pitch_weight"):
            getattr(form, name).data = getattr(found, name)
        form.max_grant.data = str(found.max_grant_fen / 100)
        form.donor_cap.data = str(found.donor_cap_fen / 100)
        form.match_cap.data = str(found.match_cap_fen / 100) if found.match_cap_fen else ""
        form.max_grade.data = "" if found.max_grade is None else str(found.max_grade)
        for name in ("proposals_due_at", "giving_ends_at"):
            getattr(form, name).data = to_user_timezone(getattr(found, name).replace(tzinfo=timezone.utc)) \
                .replace(tzinfo=None)
        form.request_ids.data = [r.id for r in found.requests]
    done = run_form(form, lambda: rounds.update_round(current_user, found, _round_data(form)),
                    _("The round is saved."), url_for("philanthropy.round", round_id=found.id))
    return done or render_template("philanthropy/round_form.html", form=form, round=found)


@bp.route("/<int:round_id>", endpoint="round")
def show_round(round_id: int):
    found = rounds.get_round(current_user, round_id)
    manager = rounds.may_manage(current_user, found)
    public = proposals.results_public(found)
    listed = rounds.proposals_of(found)
    if not (manager or rounds.is_reviewer(current_user, found)):  # the public sees the scored ones, with scores
        listed = [p for p in listed if (public and p.review_cp is not None) or p.organization_id in _my_orgs()]
    forms = {}
    if manager:
        forms["funding"] = FundingForm(formdata=None)
        forms["reviewer"] = ReviewerForm(formdata=None)
        if found.status == "review":
            forms["shortlist"] = ShortlistForm(formdata=None)
            forms["shortlist"].shortlisted.choices = options((p.id, p.title) for p in listed
                                                             if p.status == "eligible")
        if found.status == "pitch":
            forms["selection"] = SelectionForm(formdata=None)
            forms["selection"].selected.choices = options((p.id, p.title) for p in listed
                                                          if p.status == "shortlisted")
        forms["cancel"] = ReasonForm(formdata=None)
        forms["advance"] = AdvanceForm(formdata=None)
    live = giving.estimate(found) if found.status not in ("draft", "call", "screening", "review", "pitch") else {}
    return render_template(
        "philanthropy/round.html", round=found, manager=manager, proposals=listed, public=public,
        pots=rounds.pots(found), fundings=rounds.fundings(found), reviewers=rounds.reviewers(found),
        progress=review.review_progress(found) if found.status == "review" and manager else {},
        live=live, gifts=giving.gift_totals(found) if live else {}, agreements=closing.agreements(found),
        summary=closing.money_summary(found) if found.status not in ("draft",) else None,
        history=ROUND_MACHINE.history(found), forms=forms, confirm_form=ConfirmForm(),
        next_phase=NEXT_PHASE.get(found.status), giving_open=giving_open(found),
        match_is_live=found.status == "selection",  # frozen when giving closes
        may_apply=found.status == "call" and bool(_my_orgs()), actions=ROUND_ACTIONS.of(current_user, found),
        **_labels())


def _my_orgs() -> set[int]:
    return current_user.organization_ids() if current_user.is_authenticated else set()


def _managed(round_id: int):
    found = rounds.get_round(current_user, round_id)
    if not rounds.may_manage(current_user, found):
        raise PermissionDenied(_("Only the round's sponsor can do this."))
    return found


def _back(round_id: int) -> str:
    return url_for("philanthropy.round", round_id=round_id)


@bp.route("/<int:round_id>/funding", methods=["POST"])
@login_required
def fund(round_id: int):
    found = _managed(round_id)
    form = FundingForm()
    return run_action(form, lambda: rounds.fund(current_user, found, form.pot.data, fen_from(form.amount.data),
                                                 form.funder_name.data, form.funder_kind.data, form.reference.data,
                                                 form.once.data),
                      _("The money is recorded in the round's pool."), _back(round_id))


@bp.route("/<int:round_id>/reviewers", methods=["POST"])
@login_required
def add_reviewer(round_id: int):
    found = _managed(round_id)
    form = ReviewerForm()
    return run_action(form, lambda: rounds.add_reviewer(current_user, found, form.email.data),
                      _("The expert is on the panel."), _back(round_id))


STEPS = {"call": (rounds.open_call, _l("The call for proposals is open."), ConfirmedForm),  # the rules are then fixed
         "screening": (proposals.start_screening, _l("The call is closed; check each proposal's eligibility."),
                       ConfirmForm),
         "review": (review.start_review, _l("The expert review has started."), ConfirmForm)}


@bp.route("/<int:round_id>/step/<step>", methods=["POST"])
@login_required
def step(round_id: int, step: str):
    found = _managed(round_id)
    if step in STEPS:
        action, message, form_class = STEPS[step]
        return run_action(form_class(), lambda: action(current_user, found), str(message), _back(round_id))
    if step == "giving_closed":
        return run_action(ConfirmedForm(), lambda: closing.close_giving(current_user, found),
                          _("Giving is closed, the match is frozen in the ledger and the grant agreements are "
                            "drafted."), _back(round_id))
    form = AdvanceForm()
    if step == "advance" and form.target.data == NEXT_PHASE.get(found.status):
        return run_action(form, lambda: closing.advance(current_user, found, form.target.data),
                          _("The round moved on."), _back(round_id))
    abort(404)


@bp.route("/<int:round_id>/shortlist", methods=["POST"])
@login_required
def shortlist(round_id: int):
    found = _managed(round_id)
    form = ShortlistForm()
    form.shortlisted.choices = options((p.id, p.title) for p in rounds.proposals_of(found, ("eligible",)))
    return run_action(form, lambda: review.start_pitch(current_user, found, form.shortlisted.data or []),
                      _("The review is closed; the shortlisted projects pitch next."), _back(round_id))


@bp.route("/<int:round_id>/selection", methods=["POST"])
@login_required
def select_projects(round_id: int):
    found = _managed(round_id)
    form = SelectionForm()
    form.selected.choices = options((p.id, p.title) for p in rounds.proposals_of(found, ("shortlisted",)))
    return run_action(form, lambda: review.select_projects(current_user, found, form.selected.data or [],
                                                           form.reason.data or ""),
                      _("The selection is published with the scores; public giving is open."), _back(round_id))


@bp.route("/<int:round_id>/cancel", methods=["POST"])
@login_required
def cancel(round_id: int):
    found = _managed(round_id)
    form = ReasonForm()
    return run_action(form, lambda: closing.cancel_round(current_user, found, form.reason.data),
                      _("The round is cancelled; every gift is refunded and the pools are returned."),
                      _back(round_id))


# --- proposals ---------------------------------------------------------------------------------------

def _budget_lines(value: str) -> list[proposals.BudgetLineData]:
    lines = []
    for number, raw in enumerate((value or "").splitlines(), start=1):
        if not raw.strip():
            continue
        item, sep, amount = raw.rpartition("|")
        if not sep:
            raise ServiceError(_("Budget line %(n)s: write “item | amount in yuan”.", n=number), field="budget")
        lines.append(proposals.BudgetLineData(item.strip(), fen_from(amount, "budget")))
    return lines


@bp.route("/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def apply(round_id: int):
    found = rounds.get_round(current_user, round_id)
    form = ProposalForm()
    form.organization_id.choices = options((m.organization_id, m.organization.name) for m in current_user.memberships)
    form.category_id.choices = options(organizations.category_choices())
    form.request_ids.choices = options([(r.id, f"{r.community.name} · {r.title}") for r in found.requests]) \
        or _request_choices()
    if not form.organization_id.choices:
        raise PermissionDenied(_("Only a member of this organization can do this."))

    def submit():
        data = proposals.ProposalData(
            organization_id=form.organization_id.data, category_id=form.category_id.data, title=form.title.data,
            problem=form.problem.data, target_group=form.target_group.data, inputs=form.inputs.data,
            activities=form.activities.data, outputs=form.outputs.data, outcomes=form.outcomes.data,
            months=form.months.data, budget=_budget_lines(form.budget.data), request_ids=form.request_ids.data or [])
        return proposals.submit_proposal(current_user, found, data)

    problems = {m.organization_id: proposals.eligibility_problems(found, m.organization)
                for m in current_user.memberships}
    done = run_form(form, submit, _("The proposal is submitted."),
                    lambda p: url_for("philanthropy.proposal", proposal_id=p.id))
    return done or render_template("philanthropy/apply.html", round=found, form=form, problems=problems, **_labels())


def _review_form(proposal, review, formdata=True):
    class SheetForm(ReviewForm):
        pass

    for leaf in rubrics.leaves(proposal.round.rubric):
        setattr(SheetForm, f"points_{leaf.id}", StringField(f"{leaf.code} {leaf.name}（{leaf.points}）",
                                                            validators=[Length(max=12)],
                                                            description=leaf.guide))
    form = SheetForm() if formdata else SheetForm(formdata=None)
    if review is not None and not form.is_submitted():
        for key, value in (review.points or {}).items():
            field = getattr(form, f"points_{key}", None)
            if field is not None:
                field.data = "na" if value is None else str(scoring.from_centipoints(value))
        form.comment.data = review.comment
    return form


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
def proposal(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    round_ = found.round
    manager = rounds.may_manage(current_user, round_)
    reviewer = rounds.is_reviewer(current_user, round_)
    own = found.organization_id in _my_orgs()
    my_review = review.review_of(found, current_user.id) if reviewer else None
    forms = {}
    if manager and round_.status == "screening" and found.status == "submitted":
        forms["screen"] = ScreenForm(formdata=None)
    if reviewer and round_.status == "review" and found.status == "eligible":
        if my_review is None:
            forms["declare"] = ProposalDeclarationForm(formdata=None)
        elif not my_review.conflict and my_review.submitted_at is None:
            sheet = forms["review"] = _review_form(found, my_review)
            finish = bool(sheet.finish.data)
            done = run_form(sheet, lambda: review.score_review(
                current_user, found, {leaf.id: getattr(sheet, f"points_{leaf.id}").data
                                      for leaf in rubrics.leaves(round_.rubric)}, sheet.comment.data or "", finish),
                _("The sheet is submitted.") if finish else _("The points are saved."),
                url_for("philanthropy.proposal", proposal_id=found.id))
            if done:
                return done
    if reviewer and round_.status == "pitch" and found.status == "shortlisted" \
            and not any(s.reviewer_id == current_user.id for s in review.pitch_scores(found)) \
            and not (my_review and my_review.conflict):
        forms["pitch"] = PitchForm(formdata=None)
    actions = PROPOSAL_ACTIONS.of(current_user, found)
    if actions.can("give"):
        forms["donate"] = DonationForm(formdata=None)
    if actions.can("withdraw") or actions.can("cancel_project"):
        forms["withdraw"] = ReasonForm(formdata=None)
    if request.method == "POST" and "review" not in forms:
        abort(405)
    show_reviews = proposals.results_public(round_) or manager
    giving_shown = found.status in ("selected", "funded")  # a project the residents may give to, or gave to
    live = giving.estimate(round_).get(found.id) if giving_shown else None
    return render_template(
        "philanthropy/proposal.html", proposal=found, round=round_, manager=manager, reviewer=reviewer, own=own,
        review=my_review, forms=forms, reviews=review.reviews(found) if show_reviews else [],
        pitches=review.pitch_scores(found) if show_reviews else [], donors=giving.donors(found),
        live=live, giving_shown=giving_shown, live_estimate=found.status == "selected", actions=actions,
        gifts=giving.gift_totals(round_).get(found.id, 0),
        history=PROPOSAL_MACHINE.history(found), leaves=rubrics.leaves(round_.rubric), **_labels())


def _proposal_back(proposal_id: int) -> str:
    return url_for("philanthropy.proposal", proposal_id=proposal_id)


@bp.route("/proposals/<int:proposal_id>/screen", methods=["POST"])
@login_required
def screen(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    form = ScreenForm()
    return run_action(form, lambda: proposals.screen(current_user, found, form.decision.data == "eligible",
                                                  form.note.data or ""),
                      _("The eligibility check is recorded."), _proposal_back(proposal_id))


@bp.route("/proposals/<int:proposal_id>/declare", methods=["POST"])
@login_required
def declare(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    form = ProposalDeclarationForm()
    return run_action(form, lambda: review.declare(current_user, found, form.conflict.data == "yes",
                                                   form.note.data or ""),
                      _("Your declaration is recorded."), _proposal_back(proposal_id))


@bp.route("/proposals/<int:proposal_id>/pitch", methods=["POST"])
@login_required
def pitch(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    form = PitchForm()
    return run_action(form, lambda: review.record_pitch(current_user, found, form.points.data),
                      _("The pitch score is recorded."), _proposal_back(proposal_id))


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    form = ReasonForm()

    def act():
        if found.status == "selected":
            return giving.cancel_project(current_user, found, form.reason.data)
        return proposals.withdraw(current_user, found, form.reason.data)

    return run_action(form, act, _("The proposal is withdrawn; any gifts are refunded."), _proposal_back(proposal_id))


@bp.route("/proposals/<int:proposal_id>/give", methods=["POST"])
@login_required
def give(proposal_id: int):
    found = proposals.get_proposal(current_user, proposal_id)
    form = DonationForm()
    if form.validate_on_submit():
        # Not run_form: the gift's own key (the form's token) makes it once, and a second sending
        # gets the same gift back, so both tabs show its receipt.
        try:
            donation = giving.donate(current_user, found, fen_from(form.amount.data, "amount"), form.anonymous.data,
                                     form.display_name.data or "", form.once.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Thank you: your gift is recorded."), "success")
            return redirect(url_for("philanthropy.receipt", donation_id=donation.id))
    for message in (m for messages in form.errors.values() for m in messages):  # the form is on another page
        flash(message, "error")
    return redirect(_proposal_back(proposal_id))


@bp.route("/gifts/<int:donation_id>")
@login_required
def receipt(donation_id: int):
    donation = giving.get_donation(current_user, donation_id)
    return render_template("philanthropy/receipt.html", donation=donation, proposal=donation.proposal, **_labels())


@bp.route("/mine")
@login_required
def mine():
    gifts = db.session.scalars(select(Donation).where(Donation.donor_id == current_user.id)
                               .order_by(Donation.id.desc()).limit(200)).all()
    return render_template("philanthropy/mine.html", proposals=proposals.proposals_for(current_user), gifts=gifts,
                           reviewing=proposals.reviewing(current_user), **_labels())

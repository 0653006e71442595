from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user, login_required

from market.core import uploads
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import ConfirmedForm, ConfirmForm, ReasonForm, fen_from, options, run_action, run_form
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.core.urls import safe_next
from market.extensions import db
from market.needs import access, hearings, journey, moderation, needs, timeline, triage
from market.needs.actions import HEARING_ACTIONS, REQUEST_ACTIONS
from market.needs.forms import (
    CloseHearingForm,
    CommentForm,
    HearingForm,
    NeedForm,
    RequestForm,
    ThresholdForm,
    VoteForm,
)
from market.needs.labels import LABELS
from market.needs.models import HEARING_MACHINE, NeedPhoto
from market.organizations import services as organizations

bp = Blueprint("needs", __name__)


def _categories():
    return options(organizations.category_choices())


def _need_data(form) -> needs.NeedData:
    return needs.NeedData(title=form.title.data or "", description=form.description.data or "",
                             category_id=form.category_id.data or 0, urgency=form.urgency.data,
                             people_affected=form.people_affected.data or 0)


# --- residents' needs ---------------------------------------------------------------------------

@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new_need():
    if not current_user.is_verified_resident:
        flash(_("Only verified residents can post needs. Ask your community to verify you first."), "info")
        return redirect(url_for("accounts.residence"))
    form = NeedForm()
    form.category_id.choices = _categories()
    similar = []

    def post():
        similar.extend(needs.similar_needs(current_user.residence.community_id, form.title.data,
                                              form.description.data))
        if similar and not form.not_a_duplicate.data:
            raise ServiceError(_("Similar needs are open in your community already. Support one of them, "
                                 "or confirm that yours is different."), field="not_a_duplicate")
        return needs.post_need(current_user, _need_data(form), request.files.getlist(form.photos.name))

    done = run_form(form, post, _("Your need is posted. Neighbours can now support it."),
                    lambda need: url_for("needs.show", need_id=need.id))
    if done:
        return done
    return render_template("needs/need_form.html", form=form, similar=similar, need=None, **LABELS)


@bp.route("/needs/<int:need_id>")
def show(need_id: int):
    need = needs.get_need(current_user, need_id)
    events = timeline.for_need(need)
    return render_template(
        "needs/need.html", need=need, events=events, journey=journey.journey_of(events),
        comments=paginate(needs.comments_select(current_user, need), arg="comments_page"),
        can_edit=needs.can_edit(current_user, need), supported=needs.has_supported(current_user, need),
        resident=access.is_resident_of(current_user, need.community_id),
        worker=access.is_worker_of(current_user, need.community_id),
        threshold=needs.support_threshold(need.community_id),
        comment_form=CommentForm(), reason_form=ReasonForm(), confirm_form=ConfirmForm(), **LABELS,
    )


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit_need(need_id: int):
    need = needs.get_need(current_user, need_id)
    if not needs.can_edit(current_user, need):
        raise PermissionDenied(
            _("Only the resident who posted this need can change it, until a community worker acts on it."))
    form = NeedForm(obj=need)
    form.category_id.choices = _categories()
    return run_form(
        form, lambda: needs.edit_need(current_user, need, _need_data(form)),
        _("Your need is saved."), url_for("needs.show", need_id=need.id),
    ) or render_template("needs/need_form.html", form=form, similar=[], need=need, **LABELS)


def _act_on(subject, back: str, action, success: str, form=None):
    """A button on a need's or meeting's page: run `action(subject, form)`, then go back there."""
    form = form or ConfirmForm()
    return run_action(form, lambda: action(subject, form), success, back)


def _need_action(need_id: int, action, success: str, form=None):
    return _act_on(needs.get_need(current_user, need_id), url_for("needs.show", need_id=need_id), action,
                   success, form)


@bp.route("/needs/<int:need_id>/withdraw", methods=["POST"])
@login_required
def withdraw_need(need_id: int):
    return _need_action(
        need_id, lambda need, _f: needs.withdraw_need(current_user, need), _("The need is withdrawn."),
        ConfirmedForm())


@bp.route("/needs/<int:need_id>/support", methods=["POST"])
@login_required
def support(need_id: int):
    return _need_action(need_id, lambda need, _f: needs.support_need(current_user, need),
                        _("Thank you: your support is counted."))


@bp.route("/needs/<int:need_id>/comments", methods=["POST"])
@login_required
def comment(need_id: int):
    return _need_action(need_id, lambda need, f: needs.add_comment(current_user, need, f.body.data or ""),
                        _("Your comment is posted."), CommentForm())


@bp.route("/needs/<int:need_id>/decline", methods=["POST"])
@login_required
def decline(need_id: int):
    return _need_action(need_id, lambda need, f: triage.decline_need(current_user, need, f.reason.data or ""),
                        _("The need is declined; its author sees your reason."), ReasonForm())


@bp.route("/flag/<subject_type>/<int:subject_id>", methods=["POST"])
@login_required
def flag(subject_type: str, subject_id: int):
    form = ReasonForm()
    return run_action(form, lambda: moderation.flag(current_user, subject_type, subject_id, form.reason.data or ""),
                      _("Thank you. A community worker will look at it."), safe_next(request.form.get("back"), "/"))


@bp.route("/hide/<subject_type>/<int:subject_id>", methods=["POST"])
@login_required
def hide(subject_type: str, subject_id: int):
    form = ReasonForm()
    return run_action(form, lambda: moderation.hide(current_user, subject_type, subject_id, form.reason.data or ""),
                      _("Hidden. Its author sees your reason."), safe_next(request.form.get("back"), "/"))


@bp.route("/needs/photos/<int:photo_id>")
def photo(photo_id: int):
    record = db.get_or_404(NeedPhoto, photo_id)
    needs.get_need(current_user, record.need_id)  # the photo is as visible as its need
    return send_file(uploads.path_of(record.stored_name), mimetype=record.content_type)


# --- community workers ---------------------------------------------------------------------------

def _require_worker():
    if not current_user.worker_community_ids():
        raise PermissionDenied(_("Only a community worker of this community can do this."))


@bp.route("/worker")
@login_required
def desk():
    _require_worker()
    communities = [g.community for g in current_user.grants if g.community_id]
    return render_template("needs/desk.html", counts=moderation.worker_desk(current_user), communities=communities)


@bp.route("/worker/needs", endpoint="triage")
@login_required
def show_triage():
    _require_worker()
    community_id = request.args.get("community", type=bounded_int)
    sort = request.args.get("sort", "support")
    try:
        page = paginate(triage.triage_select(current_user, community_id, sort))
    except ServiceError as refused:
        raise PermissionDenied(refused.message) from None
    form = RequestForm()
    form.category_id.choices = _categories()
    communities = [g.community for g in current_user.grants if g.community_id]
    return render_template("needs/triage.html", page=page, form=form, sort=sort, community_id=community_id,
                           communities=communities, reason_form=ReasonForm(), **LABELS)


@bp.route("/worker/requests", methods=["POST"])
@login_required
def create_request():
    _require_worker()
    form = RequestForm()
    form.category_id.choices = _categories()
    need_ids = request.form.getlist("need_ids", type=bounded_int)

    def merge():
        budget = fen_from(form.estimated_budget.data, "estimated_budget")
        data = triage.RequestData(title=form.title.data, description=form.description.data,
                                    category_id=form.category_id.data, beneficiaries=form.beneficiaries.data,
                                    estimated_budget_fen=budget, track=form.track.data)
        return triage.create_request(current_user, need_ids, data)

    response = run_form(form, merge, _("The community request is created."),
                        lambda r: url_for("needs.request_page", request_id=r.id))
    if response is not None:
        return response
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("needs.triage", **request.args))


@bp.route("/worker/flags")
@login_required
def flags():
    _require_worker()
    return render_template("needs/flags.html", page=paginate(moderation.open_flags_select(current_user)),
                           reason_form=ReasonForm(), confirm_form=ConfirmForm())


@bp.route("/worker/flags/<subject_type>/<int:subject_id>/dismiss", methods=["POST"])
@login_required
def dismiss_flags(subject_type: str, subject_id: int):
    return run_action(ConfirmForm(), lambda: moderation.dismiss_flags(current_user, subject_type, subject_id),
                      _("The reports are dismissed."), url_for("needs.flags"))


@bp.route("/communities/<int:community_id>/threshold", methods=["POST"])
@login_required
def threshold(community_id: int):
    form = ThresholdForm()
    return run_action(form, lambda: triage.set_support_threshold(current_user, community_id, form.threshold.data),
                      _("The support threshold is saved."), url_for("places.community", community_id=community_id))


# --- community requests and hearings ----------------------------------------------------------

@bp.route("/requests/<int:request_id>")
def request_page(request_id: int):
    return _request_page(triage.get_request(request_id), HearingForm())


def _request_page(community_request, hearing_form):
    events = timeline.for_request(community_request)
    return render_template(
        "needs/request.html", req=community_request, events=events,
        journey=journey.journey_of(events, start="request"),
        worker=access.is_worker_of(current_user, community_request.community_id),
        hearing_form=hearing_form, confirm_form=ConfirmForm(), reason_form=ReasonForm(),
        actions=REQUEST_ACTIONS.of(current_user, community_request), **LABELS,
    )


@bp.route("/requests/<int:request_id>/forward", methods=["POST"])
@login_required
def forward(request_id: int):
    community_request = triage.get_request(request_id)
    return run_action(ConfirmedForm(), lambda: triage.forward_request(current_user, community_request),
                      _("The request is on its way."), url_for("needs.request_page", request_id=request_id))


@bp.route("/requests/<int:request_id>/close", methods=["POST"])
@login_required
def close_request(request_id: int):
    community_request = triage.get_request(request_id)
    form = ReasonForm()
    return run_action(form, lambda: triage.close_request(current_user, community_request, form.reason.data or ""),
                      _("The request is closed; its residents see your reason."),
                      url_for("needs.request_page", request_id=request_id))


@bp.route("/requests/<int:request_id>/hearings", methods=["POST"])
@login_required
def schedule_hearing(request_id: int):
    community_request = triage.get_request(request_id)
    form = HearingForm()
    response = run_form(
        form,
        lambda: hearings.schedule_hearing(current_user, community_request, form.kind.data,
                                          to_utc(form.scheduled_at.data), form.location.data, form.agenda.data),
        _("The meeting is scheduled and the residents concerned are told."),
        lambda hearing: url_for("needs.hearing", hearing_id=hearing.id),
    )
    if response is not None:
        return response
    return _request_page(community_request, form)


def _hearing_page(meeting, close_form=None):
    return render_template(
        "needs/hearing.html", hearing=meeting, my_vote=hearings.my_vote(current_user, meeting),
        cast=sum(hearings.tally(meeting).values()), vote_form=VoteForm(),
        close_form=close_form or CloseHearingForm(), reason_form=ReasonForm(), confirm_form=ConfirmForm(),
        history=HEARING_MACHINE.history(meeting), actions=HEARING_ACTIONS.of(current_user, meeting), **LABELS,
    )


@bp.route("/hearings/<int:hearing_id>")
def hearing(hearing_id: int):
    return _hearing_page(hearings.get_hearing(hearing_id))


def _hearing_action(hearing_id: int, action, success: str, form=None):
    return _act_on(hearings.get_hearing(hearing_id), url_for("needs.hearing", hearing_id=hearing_id), action,
                   success, form)


@bp.route("/hearings/<int:hearing_id>/open", methods=["POST"])
@login_required
def open_voting(hearing_id: int):
    return _hearing_action(hearing_id, lambda h, _f: hearings.open_voting(current_user, h), _("Voting is open."))


@bp.route("/hearings/<int:hearing_id>/vote", methods=["POST"])
@login_required
def vote(hearing_id: int):
    return _hearing_action(hearing_id, lambda h, f: hearings.vote(current_user, h, f.choice.data),
                           _("Your vote is recorded."), VoteForm())


@bp.route("/hearings/<int:hearing_id>/close", methods=["POST"])
@login_required
def close_hearing(hearing_id: int):
    """A form, not a button: what was typed and every error come back on the meeting's page."""
    meeting = hearings.get_hearing(hearing_id)
    form = CloseHearingForm()
    return run_form(
        form, lambda: hearings.close_hearing(current_user, meeting, form.attendance.data or 0, form.minutes.data or ""),
        _("The meeting is closed and its outcome recorded on the request."),
        url_for("needs.hearing", hearing_id=hearing_id),
    ) or _hearing_page(meeting, form)


@bp.route("/hearings/<int:hearing_id>/cancel", methods=["POST"])
@login_required
def cancel_hearing(hearing_id: int):
    return _hearing_action(hearing_id, lambda h, f: hearings.cancel_hearing(current_user, h, f.reason.data or ""),
                           _("The meeting is cancelled."), ReasonForm())

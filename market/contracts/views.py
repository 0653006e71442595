"""Contract pages: public once signed; each action is a thin call into `services`."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import clock
from market.contracts import access, amendments, delivery, payment, signals, signing, terms
from market.contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from market.contracts.forms import (
    AmendmentAnswerForm,
    AmendmentForm,
    DecisionForm,
    InspectionForm,
    ReportForm,
    SignForm,
    TermsForm,
)
from market.contracts.models import (
    AMENDMENT_STATUSES,
    CONTRACT_MACHINE,
    DECISIONS,
    INSPECTION_KINDS,
    MILESTONE_MACHINE,
    SIDES,
    SIGNED_STATUSES,
)
from market.core import uploads
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import ConfirmedForm, ConfirmForm, ReasonForm, fen_from, options, run_action, run_form
from market.core.money import format_yuan
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.money import payments
from market.money import services as money
from market.money.models import PAYMENT_STATUSES
from market.organizations.services import category_choices
from market.places.services import department_choices
from market.rules import deadlines

bp = Blueprint("contracts", __name__, url_prefix="/contracts")


def _page(contract_id: int) -> str:
    return url_for("contracts.show", contract_id=contract_id)


@bp.route("")
def index():
    args = request.args
    status = args.get("status") if args.get("status") in CONTRACT_MACHINE.labels else None
    statement = access.contracts_select(status=status, department_id=args.get("department", type=bounded_int),
                                          category_id=args.get("category", type=bounded_int))
    return render_template("contracts/index.html", page=paginate(statement), drafts=signing.drafts_for(current_user),
                           statuses=[(k, CONTRACT_MACHINE.label(k)) for k in SIGNED_STATUSES],
                           departments=department_choices(), categories=category_choices(), machine=CONTRACT_MACHINE)


@bp.route("/<int:contract_id>")
def show(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    sides = access.sides_of(current_user, contract)
    proposal = amendments.open_amendment(contract)
    inspection_form = InspectionForm()
    inspection_form.milestone_id.choices = options([(0, "—")] + [(m.id, m.title) for m in contract.milestones])
    return render_template(
        "contracts/show.html",
        contract=contract,
        sides=sides,
        machine=CONTRACT_MACHINE,
        milestone_machine=MILESTONE_MACHINE,
        signatures=signing.signatures(contract),
        blockers=signing.signing_blockers(contract),
        digest=terms.terms_digest(contract),
        acceptances=payment.acceptances(contract),
        inspections=delivery.inspections(contract),
        payments={p.milestone_id: p for p in payments.payments_of(contract.id)},
        position=money.contract_position(contract.id),
        transactions=money.contract_transactions(contract.id),
        amendments=amendments.amendments(contract),
        open_amendment=proposal,
        may_answer=proposal is not None and bool(sides - {proposal.proposed_by_side}),
        today=clock.today(),
        report_flags=delivery.report_flags(contract, clock.today()),
        actions=CONTRACT_ACTIONS.of(current_user, contract),
        milestone_actions={m.id: MILESTONE_ACTIONS.of(current_user, m) for m in contract.milestones},
        deadline_labels=deadlines.LABELS,
        AMENDMENT_STATUSES=AMENDMENT_STATUSES,
        PAYMENT_STATUSES=PAYMENT_STATUSES,
        history=CONTRACT_MACHINE.history(contract),
        sign_form=SignForm(),
        confirm_form=ConfirmForm(),
        reason_form=ReasonForm(),
        decision_form=DecisionForm(),
        inspection_form=inspection_form,
        answer_form=AmendmentAnswerForm(),
        SIDES=SIDES,
        DECISIONS=DECISIONS,
        INSPECTION_KINDS=INSPECTION_KINDS,
        bp_to_percent=terms.bp_to_percent,
        origins=[answer for _receiver, answer in signals.contract_origin.send(contract) if answer],
    )


@bp.route("/<int:contract_id>/print")
def printable(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    return render_template("contracts/print.html", contract=contract, SIDES=SIDES,
                           signatures=signing.signatures(contract), digest=terms.terms_digest(contract),
                           bp_to_percent=terms.bp_to_percent)


@bp.route("/<int:contract_id>/terms", methods=["GET", "POST"], endpoint="terms")
@login_required
def edit_terms(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    verdicts = CONTRACT_ACTIONS.of(current_user, contract)
    if not verdicts.can("change_terms"):
        raise PermissionDenied(verdicts.why("change_terms"))
    form = TermsForm()
    if request.method == "GET":
        form.price.data = format_yuan(contract.price_fen)
        form.starts_on.data, form.ends_on.data = contract.starts_on, contract.ends_on
        form.service_standards.data = contract.service_standards
        for row, milestone in zip(form.milestones, contract.milestones):
            row.form.title.data, row.form.deliverables.data = milestone.title, milestone.deliverables
            row.form.due_on.data, row.form.share.data = milestone.due_on, terms.bp_to_percent(milestone.share_bp)
        if contract.score_tied:
            form.score_tied.data = True
            form.score_withhold_below.data, form.score_full_from.data = (contract.score_withhold_below,
                                                                         contract.score_full_from)

    def save():
        rows = [row.form for row in form.milestones if (row.form.title.data or "").strip()]
        if any(row.due_on.data is None for row in rows):
            raise ServiceError(_("Give every milestone a due date."))
        milestones = [terms.MilestoneTerms(row.title.data, row.deliverables.data, row.due_on.data,
                                              terms.percent_to_bp(row.share.data or "0")) for row in rows]
        tie = (form.score_withhold_below.data, form.score_full_from.data) if form.score_tied.data else (None, None)
        if form.score_tied.data and None in tie:
            raise ServiceError(_("Give both scores to tie the last tranche to the final evaluation, or neither."),
                               field="score_full_from")
        data = terms.Terms(fen_from(form.price.data, "price"), form.starts_on.data, form.ends_on.data,
                              form.service_standards.data, milestones, *tie)
        return signing.update_terms(current_user, contract, data)

    return run_form(form, save, _("The terms are saved. Both sides sign them next."), _page(contract.id)) \
        or render_template("contracts/terms.html", form=form, contract=contract)


@bp.route("/<int:contract_id>/sign", methods=["POST"])
@login_required
def sign(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = SignForm()
    return run_action(form, lambda: signing.sign(current_user, contract, form.side.data or ""),
                      _("Signed. The contract is in force once both sides have signed."), _page(contract_id))


@bp.route("/<int:contract_id>/cancel", methods=["POST"])
@login_required
def cancel(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = ReasonForm()
    return run_action(form, lambda: signing.cancel_draft(current_user, contract, form.reason.data),
                      _("The draft is cancelled and its budget released."), _page(contract_id))


@bp.route("/<int:contract_id>/terminate", methods=["POST"])
@login_required
def terminate(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = ReasonForm()
    return run_action(
        form,
        lambda: payment.terminate(current_user, contract, form.reason.data),
        _("The contract is terminated; what was not delivered returns to the budget."),
        _page(contract_id),
    )


@bp.route("/<int:contract_id>/amend", methods=["GET", "POST"])
@login_required
def amend(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    sides = access.sides_of(current_user, contract)
    verdicts = CONTRACT_ACTIONS.of(current_user, contract)
    if not verdicts.can("propose_amendment"):
        raise PermissionDenied(verdicts.why("propose_amendment"))
    open_ones = [m for m in contract.milestones if m.status in terms.OPEN_MILESTONES]
    form = AmendmentForm()
    form.side.choices = options((s, SIDES[s]) for s in sorted(sides))
    if request.method == "GET":
        form.ends_on.data = contract.ends_on
        for m in open_ones:
            form.milestones.append_entry(
                {"milestone_id": m.id, "due_on": m.due_on, "amount": format_yuan(m.amount_fen)}
            )

    def propose():
        rows = {}
        for row in form.milestones:
            milestone_id = int(row.form.milestone_id.data or 0)
            rows[milestone_id] = (row.form.due_on.data, fen_from(row.form.amount.data))
        data = amendments.AmendmentData(form.ends_on.data, form.reason.data, rows)
        return amendments.propose_amendment(current_user, contract, form.side.data, data)

    return run_form(form, propose, _("The amendment is proposed; the other side answers it."), _page(contract.id)) \
        or render_template("contracts/amend.html", form=form, contract=contract,
                           titles={m.id: m.title for m in open_ones})


@bp.route("/<int:contract_id>/amend/answer", methods=["POST"])
@login_required
def answer_amendment(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = AmendmentAnswerForm()
    agree = bool(form.agree.data)
    return run_action(form, lambda: amendments.answer_amendment(current_user, contract, agree, form.note.data or ""),
                      _("The amendment is signed and in force.") if agree else _("The amendment is refused."),
                      _page(contract_id))


@bp.route("/<int:contract_id>/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
@login_required
def report(contract_id: int, milestone_id: int):
    contract = access.get_contract(current_user, contract_id)
    if refusal := access.side_refusal(current_user, contract, "organization"):
        raise refusal
    milestone = next((m for m in contract.milestones if m.id == milestone_id), None)
    if milestone is None:
        abort(404)
    form = ReportForm()

    def submit():
        lines = [delivery.SpendingData(row.form.item.data or "", fen_from(row.form.budget.data or "0"),
                                       fen_from(row.form.spent.data or "0"))
                 for row in form.spending if (row.form.item.data or "").strip()]
        data = delivery.ReportData(form.activities.data, form.beneficiaries.data, lines,
                                   request.files.getlist(form.files.name))
        return delivery.submit_report(current_user, contract, milestone.id, data)

    return run_form(form, submit, _("The report is submitted; the purchaser decides on acceptance."),
                    _page(contract.id)) \
        or render_template("contracts/report.html", form=form, contract=contract, milestone=milestone,
                           previous=delivery.latest_report(milestone), acceptances=payment.acceptances(contract))


@bp.route("/<int:contract_id>/inspections", methods=["POST"])
@login_required
def inspect(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = InspectionForm()
    form.milestone_id.choices = options([(0, "")] + [(m.id, "") for m in contract.milestones])
    if request.method == "POST" and not form.validate():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(_page(contract_id))
    return run_action(
        form,
        lambda: delivery.record_inspection(
            current_user,
            contract,
            form.kind.data,
            form.held_on.data,
            form.findings.data,
            form.milestone_id.data or None,
        ),
        _("The check is recorded."),
        _page(contract_id),
    )


@bp.route("/<int:contract_id>/milestones/<int:milestone_id>/decide", methods=["POST"])
@login_required
def decide(contract_id: int, milestone_id: int):
    contract = access.get_contract(current_user, contract_id)
    form = DecisionForm()
    return run_action(form, lambda: payment.decide(current_user, contract, milestone_id, form.decision.data,
                                                    form.reasons.data or ""),
                      _("The decision is recorded."), _page(contract_id))


@bp.route("/<int:contract_id>/milestones/<int:milestone_id>/pay", methods=["POST"])
@login_required
def pay(contract_id: int, milestone_id: int):
    contract = access.get_contract(current_user, contract_id)
    return run_action(ConfirmedForm(), lambda: payment.pay(current_user, contract, milestone_id),
                      _("The tranche is paid."), _page(contract_id))


@bp.route("/<int:contract_id>/files/<int:file_id>")
def report_file(contract_id: int, file_id: int):
    contract = access.get_contract(current_user, contract_id)
    record = delivery.report_file(current_user, contract, file_id)
    return send_file(uploads.path_of(record.stored_name), mimetype=record.content_type,
                     download_name=record.original_filename, as_attachment=not record.content_type.startswith("image/"))

import io
from datetime import timezone

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import (
    ConfirmedForm,
    ConfirmForm,
    DecisionForm,
    ReasonForm,
    fen_from,
    options,
    run_action,
    run_form,
    run_import,
)
from market.core.money import MoneyError, format_yuan, yuan_to_fen
from market.core.page_cache import cached_page
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.extensions import db
from market.organizations import services as organizations
from market.organizations.models import GRADES, INSPECTION_RESULTS
from market.places import services as places
from market.procurement import awards, bids, catalog_files, purchasers, questions, tenders
from market.procurement import catalogs as catalog_rules
from market.procurement import undertakers as undertaker_rules
from market.procurement.actions import BID_ACTIONS, CATALOG_ACTIONS, PANEL_ACTIONS, TENDER_ACTIONS
from market.procurement.forms import (
    AnswerForm,
    AwardForm,
    BidForm,
    CatalogForm,
    ChallengeForm,
    DebarForm,
    GradeForm,
    ImportForm,
    InspectionForm,
    PanelForm,
    QuestionForm,
    RerunForm,
    TenderForm,
    UndertakerApplyForm,
    parse_pairs,
)
from market.procurement.models import (
    BID_MACHINE,
    CATALOG_MACHINE,
    COMPETITION_CLASSES,
    TENDER_MACHINE,
    TENDER_METHODS,
    UNDERTAKER_MACHINE,
)
from market.procurement.signals import notes_on

bp = Blueprint("procurement", __name__, url_prefix="/procurement")
LABELS = {"grades": GRADES, "competition": COMPETITION_CLASSES, "catalog_machine": CATALOG_MACHINE,
          "undertaker_machine": UNDERTAKER_MACHINE, "inspection_results": INSPECTION_RESULTS,
          "tender_machine": TENDER_MACHINE, "methods": TENDER_METHODS}


@bp.route("/catalogs")
def catalogs():
    year = request.args.get("year", type=bounded_int)
    department_id = request.args.get("department", type=bounded_int)
    drafts = catalog_rules.own_drafts(current_user) if current_user.is_authenticated else []
    return render_template(
        "procurement/catalogs.html",
        page=paginate(catalog_rules.public_catalogs_select(year, department_id)),
        drafts=drafts,
        year=year,
        **LABELS,
    )


@bp.route("/catalogs/new", methods=["GET", "POST"])
@login_required
def new_catalog():
    departments = [(g.department.id, g.department.name) for g in current_user.grants if g.department_id]
    if not departments:
        raise PermissionDenied(_("Only a purchaser can do this."))
    form = CatalogForm()
    form.department_id.choices = options(departments)
    return run_form(
        form,
        lambda: catalog_rules.create_catalog(current_user, form.department_id.data, form.year.data, form.title.data),
        _("The draft catalog is created. Import its items from a spreadsheet."),
        lambda catalog: url_for("procurement.catalog", catalog_id=catalog.id),
    ) or render_template("procurement/catalog_form.html", form=form)


@bp.route("/catalogs/<int:catalog_id>", methods=["GET", "POST"])
def catalog(catalog_id: int):
    record = catalog_rules.get_catalog(current_user, catalog_id)
    form = ImportForm()
    report = None
    if CATALOG_ACTIONS.of(current_user, record).can("import_items"):
        report = run_import(form, lambda name, data: catalog_rules.import_items(current_user, record, name, data))
    return render_template("procurement/catalog.html", catalog=record, form=form, report=report,
                           actions=CATALOG_ACTIONS.of(current_user, record),  # after an import: publish may follow
                           items=paginate(catalog_rules.items_select(record), per_page=50),
                           history=CATALOG_MACHINE.history(record), **LABELS)


@bp.route("/catalogs/<int:catalog_id>/publish", methods=["POST"])
@login_required
def publish(catalog_id: int):
    record = catalog_rules.get_catalog(current_user, catalog_id)
    return run_action(ConfirmedForm(), lambda: catalog_rules.publish(current_user, record),
                      _("The catalog is published."), url_for("procurement.catalog", catalog_id=catalog_id))


@bp.route("/catalogs/<int:catalog_id>.<any(csv, xlsx):kind>")
def export(catalog_id: int, kind: str):
    record = catalog_rules.get_catalog(current_user, catalog_id)
    name = f"catalog-{record.department_id}-{record.year}-v{record.version}.{kind}"
    if kind == "csv":
        return Response(catalog_files.to_csv(record), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    return Response(catalog_files.to_xlsx(record),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


# --- the qualified undertaker catalog ---------------------------------------------------------

@bp.route("/undertakers")
def undertakers():
    category_id = request.args.get("category", type=bounded_int)
    return render_template("procurement/undertakers.html", category_choices=organizations.category_choices(),
                           category_id=category_id, page=paginate(undertaker_rules.listed_select(category_id)),
                           **LABELS)


@bp.route("/undertakers/apply/<int:organization_id>", methods=["GET", "POST"])
@login_required
def apply_undertaker(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    if not organizations.can_edit(current_user, org):
        raise PermissionDenied(_("Only an owner of this organization can do this."))
    form = UndertakerApplyForm()
    form.category_ids.choices = options(organizations.category_choices())
    if request.method == "GET":
        form.category_ids.data = [c.id for c in org.categories]
    return run_form(
        form, lambda: undertaker_rules.apply(current_user, org, form.category_ids.data),
        _("The application is with civil affairs."), url_for("procurement.apply_undertaker", organization_id=org.id),
    ) or render_template("procurement/undertaker_apply.html", org=org, form=form,
                         problems=undertaker_rules.eligibility_problems(org),
                         entries=undertaker_rules.entries_of(org), **LABELS)


@bp.route("/undertakers/review")
@login_required
def undertaker_review():
    page = paginate(undertaker_rules.pending_select(current_user))  # civil affairs only: refused with why
    return render_template("procurement/undertaker_review.html", page=page, form=DecisionForm(),
                           problems=undertaker_rules.eligibility_problems, **LABELS)


@bp.route("/undertakers/<int:entry_id>/decide", methods=["POST"])
@login_required
def undertaker_decide(entry_id: int):
    form = DecisionForm()
    return run_action(form, lambda: undertaker_rules.decide(current_user, entry_id, bool(form.approve.data),
                                                            form.reason.data or ""),
                      _("Decision recorded."), url_for("procurement.undertaker_review"))


@bp.route("/organizations/<int:organization_id>/compliance", methods=["GET", "POST"])
@login_required
def compliance(organization_id: int):
    if not current_user.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))
    org = organizations.get_organization(current_user, organization_id)
    inspection_form = InspectionForm(prefix="inspection")
    debar_form = DebarForm(prefix="debar")
    grade_form = GradeForm(prefix="grade")
    first, last = undertaker_rules.grade_start_bounds(org.id)  # the page offers the days the service accepts
    grade_form.valid_from.render_kw = {"min": first.isoformat(), "max": last.isoformat()}
    grade_form.valid_from.description = _("From %(first)s to %(last)s.", first=first.isoformat(), last=last.isoformat())
    here = url_for("procurement.compliance", organization_id=org.id)
    return (
        run_form(
            inspection_form,
            lambda: undertaker_rules.record_inspection(
                current_user, org, inspection_form.year.data, inspection_form.result.data
            ),
            _("The inspection is recorded."),
            here,
            submitted=inspection_form.submit.data,
        )
        or run_form(
            debar_form,
            lambda: undertaker_rules.debar(current_user, org, debar_form.reason.data, debar_form.ends_on.data),
            _("The organization is debarred and removed from the catalog."),
            here,
            submitted=debar_form.submit.data,
        )
        or run_form(
            grade_form,
            lambda: undertaker_rules.record_grade(current_user, org, grade_form.grade.data, grade_form.valid_from.data),
            _("The grade is recorded."),
            here,
            submitted=grade_form.submit.data,
        )
        or render_template(
            "procurement/compliance.html",
            org=org,
            inspection_form=inspection_form,
            debar_form=debar_form,
            grade_form=grade_form,
            grade_records=undertaker_rules.grades_of(org),
            current_grade=undertaker_rules.current_grade(org.id),
            inspections=undertaker_rules.inspections_of(org),
            debarments=undertaker_rules.debarments_of(org),
            entries=undertaker_rules.entries_of(org),
            problems=undertaker_rules.eligibility_problems(org),
            **LABELS,
        )
    )


# --- tenders and sealed bids ---------------------------------------------------------------------

def _tender_form(**kwargs) -> TenderForm:
    form = TenderForm(**kwargs)
    form.catalog_item_id.choices = options(
        (i.id, f"{i.catalog.year} · {i.code} {i.name}" + (f" · ≥{GRADES[i.min_grade]}" if i.min_grade else ""))
        for i in tenders.published_items(current_user))
    form.community_ids.choices = options(places.community_choices())
    form.request_ids.choices = options((r.id, f"{r.community.name} · {r.title}") for r in tenders.forwarded_requests())
    form.invited_ids.choices = options(organizations.approved_choices())
    return form


def _tender_data(form: TenderForm) -> tenders.TenderData:
    budget = fen_from(form.budget_ceiling.data, "budget_ceiling")
    try:
        criteria = parse_pairs(form.criteria.data, int)
    except ValueError as error:
        raise ServiceError(
            _("Line %(n)s of the criteria is not “name: points”.", n=error.args[0]), field="criteria"
        ) from None
    return tenders.TenderData(
        catalog_item_id=form.catalog_item_id.data or 0,
        title=form.title.data,
        description=form.description.data,
        service_standards=form.service_standards.data,
        budget_ceiling_fen=budget,
        contract_months=form.contract_months.data,
        method=form.method.data,
        price_weight=form.price_weight.data,
        criteria=criteria,
        questions_deadline=to_utc(form.questions_deadline.data),
        bid_deadline=to_utc(form.bid_deadline.data),
        opening_at=to_utc(form.opening_at.data),
        community_ids=form.community_ids.data or [],
        request_ids=form.request_ids.data or [],
        invited_ids=form.invited_ids.data or [],
        catalog_only=form.catalog_only.data,
        min_grade=form.min_grade.data or 0,
    )


@bp.route("/tenders")
@cached_page
def tender_list():
    args = request.args
    try:
        min_budget = yuan_to_fen(args["min_budget"]) if args.get("min_budget") else None
        max_budget = yuan_to_fen(args["max_budget"]) if args.get("max_budget") else None
    except MoneyError:
        flash(_("Enter budgets in yuan."), "error")
        min_budget = max_budget = None
    statement = tenders.public_select(args.get("category", type=bounded_int), args.get("district", type=bounded_int),
                                      args.get("method"), args.get("status"), min_budget, max_budget,
                                      street_id=args.get("street", type=bounded_int))
    statuses = [(s, TENDER_MACHINE.label(s)) for s in TENDER_MACHINE.transitions if s != "draft"]
    return render_template("procurement/tenders.html", page=paginate(statement),
                           category_choices=organizations.category_choices(), districts=places.district_choices(),
                           streets=places.street_choices(), tender_statuses=statuses, **LABELS)


@bp.route("/tenders/new", methods=["GET", "POST"])
@login_required
def new_tender():
    if not current_user.department_ids():
        raise PermissionDenied(_("Only a purchaser can do this."))
    form = _tender_form()
    source = tenders.criteria_source()
    chosen = request.args.get("rubric", type=bounded_int)
    if request.method == "GET" and chosen and source is not None:
        try:
            criteria = source.criteria(chosen)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            form.criteria.data = "\n".join(f"{name}：{points}" for name, points in criteria)
            form.price_weight.data = 100 - sum(points for _name, points in criteria)
    return run_form(
        form, lambda: tenders.create_tender(current_user, _tender_data(form)),
        _("The draft tender is saved. Check it, then publish it."),
        lambda tender: url_for("procurement.tender", tender_id=tender.id),
    ) or render_template("procurement/tender_form.html", form=form, chosen=chosen,
                              bid_rubrics=source.choices() if source is not None else [])


@bp.route("/tenders/<int:tender_id>")
@cached_page
def tender(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    purchaser = purchasers.is_purchaser_of(current_user, record.department_id)
    my_orgs = [m.organization for m in current_user.memberships] if current_user.is_authenticated else []
    question_form = QuestionForm()
    question_form.organization_id.choices = options((o.id, o.name) for o in my_orgs)
    panel_form = PanelForm()
    panel_form.expert_id.choices = (
        options((u.id, u.display_name) for u in accounts.users_with_role(Role.EXPERT)) if purchaser else []
    )
    ranking = awards.results(record)
    award_form = AwardForm()
    award_form.bid_id.choices = options((r.bid_id, f"{r.rank}. {r.bid.organization.name} · {r.total}") for r in ranking)
    challenge_form = ChallengeForm()
    challenge_form.organization_id.choices = options(
        (o.id, o.name) for o in awards.challengers(current_user, record)
    )
    opened = bids.opened_bids(record)
    return render_template(
        "procurement/tender.html", tender=record, purchaser=purchaser, my_orgs=my_orgs,
        required_grade=bids.required_grade(record),
        panel=awards.panel(record), panel_form=panel_form, ranking=ranking, award_form=award_form,
        award_record=awards.award_of(record), challenges=awards.challenges(record),
        challenge_form=challenge_form, blockers=awards.contract_blockers(record), rerun_form=RerunForm(),
        amendments=tenders.amendments(record),
        all_scored=awards.all_scored(record), on_panel=any(m.expert_id == getattr(current_user, "id", None)
                                                               for m in awards.panel(record)),
        my_bids={o.id: bids.own_bid(current_user, record, o.id) for o in my_orgs},
        opened=opened, unanswered=tenders.unanswered(record),
        bidder_notes=notes_on({b.organization_id for b in opened}) if purchaser else {},
        question_form=question_form, answer_form=AnswerForm(), reason_form=ReasonForm(),
        history=TENDER_MACHINE.history(record), now=clock.now(), actions=TENDER_ACTIONS.of(current_user, record),
        bid_machine=BID_MACHINE, **LABELS,
    )


@bp.route("/tenders/<int:tender_id>/publish", methods=["POST"])
@login_required
def publish_tender(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    return run_action(ConfirmedForm(), lambda: tenders.publish(current_user, record), _("The tender is published."),
                      url_for("procurement.tender", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/cancel", methods=["POST"])
@login_required
def cancel_tender(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = ReasonForm()
    return run_action(form, lambda: tenders.cancel(current_user, record, form.reason.data or ""),
                      _("The tender is cancelled."), url_for("procurement.tender", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/questions", methods=["POST"])
@login_required
def ask(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = QuestionForm()
    form.organization_id.choices = options((m.organization_id, "") for m in current_user.memberships)
    return run_action(form, lambda: questions.ask(current_user, record, form.organization_id.data, form.question.data),
                      _("Your question is sent; the answer will be published here."),
                      url_for("procurement.tender", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/questions/<int:question_id>/answer", methods=["POST"])
@login_required
def answer(tender_id: int, question_id: int):
    form = AnswerForm()
    return run_action(form, lambda: questions.answer(current_user, question_id, form.answer.data),
                      _("The answer is published."), url_for("procurement.tender", tender_id=tender_id))


def _bidder(tender_id: int, organization_id: int):
    record = tenders.get_tender(current_user, tender_id)
    org = organizations.get_organization(current_user, organization_id)
    if org.id not in current_user.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    return record, org


@bp.route("/tenders/<int:tender_id>/bid/<int:organization_id>", methods=["GET", "POST"])
@login_required
def bid(tender_id: int, organization_id: int):
    record, org = _bidder(tender_id, organization_id)
    form = BidForm()
    files = bids.own_files(current_user, record, org.id)
    form.remove_attachments.choices = [(f.id, f.name) for f in files]

    def submit():
        price = fen_from(form.price.data, "price")
        try:
            lines = parse_pairs(form.budget_lines.data, yuan_to_fen)
        except ValueError as error:
            raise ServiceError(
                _("Line %(n)s of the budget is not “item: amount”.", n=error.args[0]), field="budget_lines"
            ) from None
        data = bids.BidData(form.proposal.data, form.team.data or "", form.delivery_plan.data, price, lines)
        return bids.submit_bid(current_user, record, org, data, request.files.getlist(form.attachments.name),
                                  final=not form.save_draft.data, remove=form.remove_attachments.data or [])

    current = bids.own_bid(current_user, record, org.id)
    if request.method == "GET" and current is not None:  # amend from what was saved, not from nothing
        content = bids.own_content(current_user, record, org.id)
        form.proposal.data, form.team.data = content["proposal"], content["team"]
        form.delivery_plan.data, form.price.data = content["delivery_plan"], format_yuan(content["price_fen"])
        form.budget_lines.data = "\n".join(
            f"{line['item']}：{format_yuan(line['amount_fen'])}" for line in content["budget_lines"]
        )
    message = _("Your draft is saved, sealed; it is not submitted yet.") if form.save_draft.data else \
        _("Your sealed bid is received. Keep the receipt digest.")
    return run_form(
        form, submit, message,
        lambda saved: url_for("procurement.read_bid", tender_id=tender_id, bid_id=saved.id),
    ) or render_template("procurement/bid_form.html", tender=record, org=org, form=form, current=current,
                         bid_actions=BID_ACTIONS.of(current_user, current) if current is not None else None,
                         files=files, problems=bids.eligibility_problems(org, record), **LABELS)


@bp.route("/tenders/<int:tender_id>/bid/<int:organization_id>/withdraw", methods=["POST"])
@login_required
def withdraw_bid(tender_id: int, organization_id: int):
    record, org = _bidder(tender_id, organization_id)
    return run_action(ConfirmedForm(), lambda: bids.withdraw_bid(current_user, record, org),
                      _("Your bid is withdrawn."), url_for("procurement.tender", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/bids/<int:bid_id>")
@login_required
def read_bid(tender_id: int, bid_id: int):
    record = tenders.get_tender(current_user, tender_id)
    found, content = bids.read_bid(current_user, record, bid_id)
    return render_template("procurement/bid.html", tender=record, bid=found, content=content,
                           files=bids.bid_files(found, content), verified=bids.verify(found), **LABELS)


@bp.route("/tenders/<int:tender_id>/attachments/<int:attachment_id>")
@login_required
def bid_attachment(tender_id: int, attachment_id: int):
    record = tenders.get_tender(current_user, tender_id)
    attachment, data = bids.attachment_bytes(current_user, record, attachment_id)
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.name)


@bp.route("/workspace")
@login_required
def workspace():
    my_orgs = [m.organization for m in current_user.memberships]
    return render_template("procurement/workspace.html", department_tenders=tenders.department_tenders(current_user),
                           my_orgs=my_orgs, eligible=bids.eligible_open_tenders(current_user),
                           drafts=catalog_rules.own_drafts(current_user),
                           my_bids=bids.bids_of(current_user), **LABELS)


# --- evaluation, award, challenge ------------------------------------------------------------------

def _back(tender_id: int) -> str:
    return url_for("procurement.tender", tender_id=tender_id)


@bp.route("/tenders/<int:tender_id>/panel", methods=["POST"])
@login_required
def add_expert(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = PanelForm()
    form.expert_id.choices = options((u.id, u.display_name) for u in accounts.users_with_role(Role.EXPERT))
    return run_action(
        form,
        lambda: awards.add_expert(current_user, record, db.session.get(User, form.expert_id.data)),
        _("The expert is on the panel."),
        _back(tender_id),
    )


@bp.route("/tenders/<int:tender_id>/review", methods=["GET"])
@login_required
def review_bids(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    if not any(m.expert_id == current_user.id for m in awards.panel(record)):
        raise PermissionDenied(_("Only experts on this tender's panel can do this."))
    declared = awards.declarations(record, current_user.id)
    to_score = awards.bids_to_score(current_user, record) if declared else []
    mine = {(s.bid_id, s.criterion_id): s for s in awards.visible_scores(current_user, record)
            if s.expert_id == current_user.id}
    return render_template("procurement/review.html", tender=record, declared=declared, to_score=to_score,
                           actions=PANEL_ACTIONS.of(current_user, record),
                           bids=awards.valid_bids(record), mine=mine, form=ConfirmForm(),
                           done=awards.expert_done(record, current_user.id), **LABELS)


@bp.route("/tenders/<int:tender_id>/declare", methods=["POST"])
@login_required
def declare(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    answers = {b.id: (request.form.get(f"conflict-{b.id}") == "yes", request.form.get(f"note-{b.id}", ""))
               for b in awards.valid_bids(record)}
    missing = [b for b in awards.valid_bids(record) if request.form.get(f"conflict-{b.id}") not in ("yes", "no")]
    if missing:
        flash(_("Answer for every bidder."), "error")
        return redirect(url_for("procurement.review_bids", tender_id=tender_id))
    return run_action(ConfirmForm(), lambda: awards.declare(current_user, record, answers),
                      _("Your declaration is recorded."), url_for("procurement.review_bids", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/score/<int:bid_id>", methods=["POST"])
@login_required
def score(tender_id: int, bid_id: int):
    record = tenders.get_tender(current_user, tender_id)
    points, comments = {}, {}
    for criterion in record.criteria:
        raw = request.form.get(f"points-{criterion.id}", "")
        points[criterion.id] = int(raw) if raw.strip().isdigit() else None
        comments[criterion.id] = request.form.get(f"comment-{criterion.id}", "")
    return run_action(ConfirmForm(), lambda: awards.score(current_user, record, bid_id, points, comments),
                      _("Your scores are saved."), url_for("procurement.review_bids", tender_id=tender_id))


@bp.route("/tenders/<int:tender_id>/complete", methods=["POST"])
@login_required
def complete_evaluation(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    return run_action(ConfirmedForm(), lambda: awards.complete(current_user, record),
                      _("The evaluation is complete; the ranking is public."), _back(tender_id))


@bp.route("/tenders/<int:tender_id>/award", methods=["POST"])
@login_required
def award(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = AwardForm()
    form.bid_id.choices = options((r.bid_id, "") for r in awards.results(record))
    return run_action(form, lambda: awards.award(current_user, record, form.bid_id.data, form.reason.data or ""),
                      _("The award is published for the notice period."), _back(tender_id))


@bp.route("/tenders/<int:tender_id>/challenges", methods=["POST"])
@login_required
def challenge(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = ChallengeForm()
    form.organization_id.choices = options((m.organization_id, "") for m in current_user.memberships)
    return run_action(form, lambda: awards.file_challenge(current_user, record, form.organization_id.data,
                                                              form.grounds.data),
                      _("The challenge is filed; the purchaser must answer it."), _back(tender_id))


@bp.route("/tenders/<int:tender_id>/challenges/<int:challenge_id>/answer", methods=["POST"])
@login_required
def answer_challenge(tender_id: int, challenge_id: int):
    form = AnswerForm()
    return run_action(form, lambda: awards.answer_challenge(current_user, challenge_id, form.answer.data),
                      _("The answer is published."), _back(tender_id))


@bp.route("/tenders/<int:tender_id>/rerun", methods=["POST"])
@login_required
def rerun(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    form = RerunForm()
    return run_action(form, lambda: tenders.rerun(current_user, record, form.method.data, form.reason.data),
                      _("A new draft is ready; set its dates and publish it."), _back(tender_id))


@bp.route("/tenders/<int:tender_id>/edit", methods=["GET", "POST"])
@login_required
def edit_tender(tender_id: int):
    record = tenders.get_tender(current_user, tender_id)
    if not purchasers.is_purchaser_of(current_user, record.department_id):
        raise PermissionDenied(_("Only a purchaser of this department can do this."))
    form = _tender_form(obj=record)
    if request.method == "GET":
        form.budget_ceiling.data = format_yuan(record.budget_ceiling_fen)
        form.criteria.data = "\n".join(f"{c.name}：{c.points}" for c in record.criteria)
        for name in ("questions_deadline", "bid_deadline", "opening_at"):
            getattr(form, name).data = to_user_timezone(getattr(record, name).replace(tzinfo=timezone.utc)).replace(
                tzinfo=None
            )
        form.community_ids.data = [c.id for c in record.communities]
        form.request_ids.data = [r.id for r in record.requests]
        form.invited_ids.data = [o.id for o in record.invited]
    reason = request.form.get("amendment_reason", "")
    return run_form(
        form, lambda: tenders.amend(current_user, record, _tender_data(form), reason),
        _("The tender is changed."), _back(tender_id),
    ) or render_template("procurement/tender_form.html", form=form, tender=record,
                         actions=TENDER_ACTIONS.of(current_user, record))

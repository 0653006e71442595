"""What waits on the desk in procurement (for purchasers, bidders, experts and civil affairs), and the
reminders of challenges to answer."""
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, or_, select

from market import clock
from market.accounts import services as accounts
from market.accounts.roles import Role
from market.core.desk import Item, Waiting, pile
from market.extensions import db
from market.notifications.reminders import Due, duty
from market.organizations.models import Debarment, Organization, OrganizationGrade
from market.procurement.actions import PANEL_ACTIONS, TENDER_ACTIONS
from market.procurement.models import (
    INVITATION_METHODS,
    Bid,
    CatalogItem,
    Challenge,
    ConflictDeclaration,
    PanelMember,
    Score,
    Tender,
    TenderCriterion,
    TenderQuestion,
    UndertakerEntry,
    tender_invitation,
)


def _tender_item(action: str, due=None, note: str = ""):
    return lambda tender: Item(tender.title, ("procurement.tender", {"tender_id": tender.id}), action,
                               due=due(tender) if due else None, note=note)


def _departments(user):
    return user.department_ids() or None


@pile("purchaser", "questions", _l("Questions to answer"))
def questions_to_answer(user, today, limits):
    if not (departments := _departments(user)):
        return None
    return Waiting(
        select(TenderQuestion, Tender).join(Tender, Tender.id == TenderQuestion.tender_id)
        .where(Tender.department_id.in_(departments), TenderQuestion.answered_at.is_(None),
               Tender.status == "published")
        .order_by(Tender.bid_deadline, TenderQuestion.id),
        lambda question, tender: Item(tender.title, ("procurement.tender", {"tender_id": tender.id}),
                                      _("Answer the question"), due=tender.bid_deadline.date(),
                                      note=question.question[:60]))


@pile("purchaser", "panels_to_form", _l("Panels to form before the opening"))
def panels_to_form(user, today, limits):
    """Tenders open for bids, or closed and not yet opened, whose bids experts will score (price is
    not the whole score) and that have no expert on their panel yet."""
    if not (departments := _departments(user)):
        return None
    no_panel = ~exists().where(PanelMember.tender_id == Tender.id)
    return Waiting(
        select(Tender).where(Tender.department_id.in_(departments), Tender.status.in_(("published", "bidding_closed")),
                             or_(Tender.price_weight.is_(None), Tender.price_weight < 100), no_panel)
        .order_by(Tender.opening_at, Tender.id),
        _tender_item(_("Add the experts who will score the bids"), due=lambda tender: tender.opening_at.date()),
        action=(TENDER_ACTIONS, "form_panel"))


@pile("purchaser", "to_evaluate", _l("Opened bids to evaluate"))
def tenders_to_evaluate(user, today, limits):
    if not (departments := _departments(user)):
        return None
    return Waiting(
        select(Tender).where(Tender.department_id.in_(departments), Tender.status == "opened")
        .order_by(Tender.opening_at, Tender.id),
        _tender_item(_("Form the panel and complete the evaluation")),
        action=(TENDER_ACTIONS, "complete_evaluation", "form_panel"))


@pile("purchaser", "to_award", _l("Awards to make"))
def tenders_to_award(user, today, limits):
    if not (departments := _departments(user)):
        return None
    return Waiting(
        select(Tender).where(Tender.department_id.in_(departments), Tender.status == "evaluated")
        .order_by(Tender.opening_at, Tender.id),
        _tender_item(_("Award the tender")), action=(TENDER_ACTIONS, "award"))


@pile("purchaser", "challenges", _l("Challenges to answer"))
def challenges_to_answer(user, today, limits):
    if not (departments := _departments(user)):
        return None
    return Waiting(
        select(Challenge, Tender).join(Tender, Tender.id == Challenge.tender_id)
        .where(Tender.department_id.in_(departments), Challenge.answered_at.is_(None))
        .order_by(Challenge.answer_due_at, Challenge.id),
        lambda challenge, tender: Item(tender.title, ("procurement.tender", {"tender_id": tender.id}),
                                       _("Answer the challenge"), due=challenge.answer_due_at.date(),
                                       note=challenge.organization.name))


@pile("purchaser", "drafts", _l("Tenders not yet published"))
def draft_tenders(user, today, limits):
    if not (departments := _departments(user)):
        return None
    return Waiting(
        select(Tender).where(Tender.department_id.in_(departments), Tender.status == "draft")
        .order_by(Tender.created_at, Tender.id),
        _tender_item(_("Finish and publish")), action=(TENDER_ACTIONS, "publish"))


@pile("organization", "tenders_open", _l("Tenders you may bid on"))
def tenders_open(user, today, limits):
    """Open tenders one of the person's organizations has not bid on and may bid on: the conditions of
    bids.eligibility_problems, in one query (approved, invited where only the invited may bid, listed
    in the category where the catalog is required, not debarred today, graded high enough)."""
    organizations = user.organization_ids()
    if not organizations:
        return None
    item_grade = func.coalesce(select(CatalogItem.min_grade).where(CatalogItem.id == Tender.catalog_item_id)
                               .correlate(Tender).scalar_subquery(), 0)
    required = case((Tender.min_grade > item_grade, Tender.min_grade), else_=item_grade)
    grade_now = func.coalesce(  # the newest grade in force today (undertakers.current_grade)
        select(OrganizationGrade.grade).where(OrganizationGrade.organization_id == Organization.id,
                                              OrganizationGrade.valid_from <= today,
                                              OrganizationGrade.valid_until >= today)
        .order_by(OrganizationGrade.valid_from.desc()).limit(1).correlate(Organization).scalar_subquery(), 0)
    # Each inner test names both tables it correlates: one naming only the tender would read
    # "some organization" instead of "this organization".
    eligible = exists(select(Organization.id).where(
        Organization.id.in_(organizations), Organization.status == "approved",
        ~exists().where(Bid.tender_id == Tender.id, Bid.organization_id == Organization.id).correlate(
            Tender, Organization),
        or_(Tender.method.not_in(INVITATION_METHODS),
            exists().where(tender_invitation.c.tender_id == Tender.id,
                           tender_invitation.c.organization_id == Organization.id).correlate(Tender, Organization)),
        or_(Tender.catalog_only == false(),
            exists().where(UndertakerEntry.organization_id == Organization.id,
                           UndertakerEntry.category_id == Tender.category_id,
                           UndertakerEntry.status == "listed").correlate(Tender, Organization)),
        ~exists().where(Debarment.organization_id == Organization.id, Debarment.starts_on <= today,
                        Debarment.ends_on >= today).correlate(Organization),
        grade_now >= required))
    return Waiting(
        select(Tender).where(Tender.status == "published", Tender.bid_deadline > datetime.combine(today, time.min),
                             eligible)
        .order_by(Tender.bid_deadline, Tender.id),
        _tender_item(_("Read it and bid"), due=lambda tender: tender.bid_deadline.date()),
        more=("procurement.tender_list", {"status": "published"}), action=(TENDER_ACTIONS, "bid"))


@pile("organization", "bids_in_progress", _l("Bids not submitted"))
def bids_in_progress(user, today, limits):
    organizations = user.organization_ids()
    if not organizations:
        return None
    return Waiting(
        select(Bid, Tender).join(Tender, Tender.id == Bid.tender_id)
        .where(Bid.organization_id.in_(organizations), Bid.status.in_(("draft", "returned", "withdrawn")),
               Tender.status == "published")
        .order_by(Tender.bid_deadline, Bid.id),
        lambda bid, tender: Item(tender.title, ("procurement.tender", {"tender_id": tender.id}),
                                 _("Finish and submit the bid"), due=tender.bid_deadline.date(),
                                 note=bid.organization.name))


@pile("expert", "to_score", _l("Bids to declare on and score"))
def bids_to_score(user, today, limits):
    if not user.has_role(Role.EXPERT):
        return None
    declared = exists().where(ConflictDeclaration.tender_id == Tender.id, ConflictDeclaration.expert_id == user.id)
    unscored = exists(
        select(ConflictDeclaration.id).join(TenderCriterion, TenderCriterion.tender_id == ConflictDeclaration.tender_id)
        .where(ConflictDeclaration.tender_id == Tender.id, ConflictDeclaration.expert_id == user.id,
               ConflictDeclaration.conflicted == false(),
               ~exists().where(Score.bid_id == ConflictDeclaration.bid_id, Score.criterion_id == TenderCriterion.id,
                               Score.expert_id == user.id)))
    return Waiting(
        select(Tender).join(PanelMember, and_(PanelMember.tender_id == Tender.id, PanelMember.expert_id == user.id))
        .where(Tender.status == "opened", or_(~declared, unscored))
        .order_by(Tender.opening_at, Tender.id),
        lambda tender: Item(tender.title, ("procurement.review_bids", {"tender_id": tender.id}),
                            _("Declare conflicts and score")), action=(PANEL_ACTIONS, "declare", "score"))


@pile("civil_affairs", "undertakers", _l("Undertaker applications"))
def undertaker_applications(user, today, limits):
    if not user.has_role(Role.CIVIL_AFFAIRS):
        return None
    return Waiting(
        select(UndertakerEntry).where(UndertakerEntry.status == "applied")
        .order_by(UndertakerEntry.applied_at, UndertakerEntry.id),
        lambda entry: Item(entry.organization.name, ("procurement.undertaker_review", {}), _("Decide"),
                           note=entry.category.name),
        more=("procurement.undertaker_review", {}))


# --- reminders (notifications/reminders.py) --------------------------------------------------------

@duty("question_answer")
def question_reminders(today, limits):
    """The department's purchasers, of a bidder's question still unanswered as bidding nears its close
    (bidders need the answer before they send their bids)."""
    rows = db.session.execute(select(TenderQuestion, Tender).join(Tender, Tender.id == TenderQuestion.tender_id).where(
        TenderQuestion.answered_at.is_(None), Tender.status == "published", Tender.bid_deadline > clock.now(),
        Tender.bid_deadline < datetime.combine(today + timedelta(days=limits.remind_days_before + 1), time.min),
    )).all()
    purchasers = accounts.holders_of(Role.PURCHASER, {tender.department_id for _q, tender in rows})
    return [Due(question.id, clock.china_date(tender.bid_deadline), purchasers.get(tender.department_id, []),
                "question_reminder", {"title": tender.title}, ("procurement.tender", {"tender_id": tender.id}))
            for question, tender in rows]


@duty("challenge_answer")
def challenge_reminders(today, limits):
    """The department's purchasers, of a challenge to answer by its date."""
    rows = db.session.execute(select(Challenge, Tender).join(Tender, Tender.id == Challenge.tender_id).where(
        Challenge.answered_at.is_(None),
        Challenge.answer_due_at < datetime.combine(today + timedelta(days=limits.remind_days_before + 1), time.min),
    )).all()
    purchasers = accounts.holders_of(Role.PURCHASER, {tender.department_id for _c, tender in rows})
    return [Due(challenge.id, clock.china_date(challenge.answer_due_at), purchasers.get(tender.department_id, []),
                "challenge_reminder", {"title": tender.title, "organization": challenge.organization.name},
                ("procurement.tender", {"tender_id": tender.id})) for challenge, tender in rows]

"""The public datasets: one definition each (columns and the query of public rows), used by the
portal's pages, its CSV downloads and the JSON API alike. Rows are read with plain column selects
(no object loading), so a page is one query and a download streams in batches."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from market.contracts.models import SIGNED_STATUSES, Contract, Milestone
from market.evaluation.models import Evaluation, Rating
from market.grid.models import Problem
from market.money.models import Payment
from market.needs.models import Need
from market.organizations.models import Organization, OrganizationGrade, ServiceCategory
from market.outcomes.models import NeedOutcome
from market.partnership import burden
from market.partnership.models import AdmissionRequest, EntrustedAgreement, PushedWork, TaskList, TaskListItem
from market.philanthropy.models import MatchResult, Proposal, Round
from market.places.models import Community, Department, District, Street
from market.procurement.models import Award, Bid, CatalogItem, Challenge, PurchaseCatalog, Tender

TYPES = {"integer": {"type": "integer"}, "fen": {"type": "integer", "description": "an amount in fen (0.01 yuan)"},
         "string": {"type": "string"}, "datetime": {"type": "string", "format": "date-time"},
         "date": {"type": "string", "format": "date"}, "boolean": {"type": "boolean"}}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of TYPES
    nullable: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    description: object
    columns: tuple[Column, ...]
    select: Callable  # () -> a select whose labelled columns are `columns`, in a stable order

    def json_value(self, column: Column, value):
        if isinstance(value, datetime):
            return value.replace(microsecond=0).isoformat() + "Z"
        if isinstance(value, date):
            return value.isoformat()
        if column.type in ("integer", "fen") and value is not None:
            return int(value)  # PostgreSQL sums arrive as Decimal
        return value

    def as_json(self, row) -> dict:
        return {c.name: self.json_value(c, getattr(row, c.name)) for c in self.columns}


def _cols(spec: str) -> tuple[Column, ...]:
    """Columns from "name:type, name:type?" (a trailing ? allows null)."""
    columns = []
    for item in spec.split(","):
        name, kind = item.strip().split(":")
        columns.append(Column(name, kind.rstrip("?"), kind.endswith("?")))
    return tuple(columns)


def _need_outcomes():
    return (
        select(
            NeedOutcome.need_id.label("need_id"),
            Community.name.label("community"),
            Street.name.label("street"),
            District.name.label("district"),
            ServiceCategory.name_zh.label("category"),
            NeedOutcome.posted_on.label("posted_on"),
            NeedOutcome.answer.label("answer"),
            NeedOutcome.answered_on.label("answered_on"),
            NeedOutcome.stop.label("stop"),
            NeedOutcome.stopped_on.label("stopped_on"),
        )
        .join(Need, Need.id == NeedOutcome.need_id)
        .join(Community, Community.id == Need.community_id)
        .join(Street, Street.id == Community.street_id)
        .join(District, District.id == Street.district_id)
        .join(ServiceCategory, ServiceCategory.id == Need.category_id)
        .where(Need.hidden_at.is_(None))
        .order_by(NeedOutcome.need_id)
    )


def _catalog_items():
    return (
        select(
            CatalogItem.id.label("id"),
            PurchaseCatalog.id.label("catalog_id"),
            Department.name.label("department"),
            PurchaseCatalog.year.label("year"),
            PurchaseCatalog.version.label("version"),
            CatalogItem.code.label("code"),
            CatalogItem.name.label("name"),
            ServiceCategory.name_zh.label("category"),
            CatalogItem.competition.label("competition"),
            CatalogItem.min_grade.label("min_grade"),
        )
        .join(PurchaseCatalog, CatalogItem.catalog_id == PurchaseCatalog.id)
        .join(Department, PurchaseCatalog.department_id == Department.id)
        .join(ServiceCategory, CatalogItem.category_id == ServiceCategory.id)
        .where(PurchaseCatalog.status == "published")
        .order_by(PurchaseCatalog.id, CatalogItem.position, CatalogItem.id)
    )


def _tenders():
    return (select(Tender.id.label("id"), Tender.title.label("title"), Department.name.label("department"),
                   ServiceCategory.name_zh.label("category"), Tender.method.label("method"),
                   Tender.budget_ceiling_fen.label("budget_ceiling_fen"), Tender.status.label("status"),
                   Tender.published_at.label("published_at"), Tender.bid_deadline.label("bid_deadline"),
                   Tender.opening_at.label("opening_at"), Tender.min_grade.label("min_grade"))
            .join(Department, Tender.department_id == Department.id)
            .join(ServiceCategory, Tender.category_id == ServiceCategory.id)
            .where(Tender.status != "draft").order_by(Tender.id))


def _opened_bids():
    return (select(Bid.id.label("id"), Bid.tender_id.label("tender_id"), Organization.name.label("organization"),
                   Organization.credit_code.label("credit_code"), Bid.price_fen.label("price_fen"),
                   Bid.opened_at.label("opened_at"), Bid.digest.label("receipt_digest"))
            .join(Organization, Bid.organization_id == Organization.id)
            .where(Bid.opened_at.is_not(None), Bid.status == "submitted").order_by(Bid.id))


def _awards():
    return (select(Award.id.label("id"), Award.tender_id.label("tender_id"), Award.bid_id.label("bid_id"),
                   Organization.name.label("organization"), Bid.price_fen.label("price_fen"),
                   Award.awarded_at.label("awarded_at"), Award.notice_ends_at.label("notice_ends_at"),
                   Award.reason.label("reason"))
            .join(Bid, Award.bid_id == Bid.id).join(Organization, Bid.organization_id == Organization.id)
            .order_by(Award.id))


def _challenges():
    return (select(Challenge.id.label("id"), Challenge.tender_id.label("tender_id"),
                   Organization.name.label("organization"), Challenge.filed_at.label("filed_at"),
                   Challenge.grounds.label("grounds"), Challenge.answer_due_at.label("answer_due_at"),
                   Challenge.answered_at.label("answered_at"), Challenge.answer.label("answer"))
            .join(Organization, Challenge.organization_id == Organization.id).order_by(Challenge.id))


def _contracts():
    funder = aliased(Organization)
    return (select(Contract.id.label("id"), Contract.number.label("number"), Contract.title.label("title"),
                   case((Contract.department_id.is_not(None), Department.name), else_=funder.name).label("purchaser"),
                   Organization.name.label("organization"), Contract.tender_id.label("tender_id"),
                   Contract.round_id.label("round_id"), Contract.price_fen.label("price_fen"),
                   Contract.starts_on.label("starts_on"), Contract.ends_on.label("ends_on"),
                   Contract.status.label("status"), Contract.signed_at.label("signed_at"))
            .join(Organization, Contract.organization_id == Organization.id)
            .outerjoin(Department, Contract.department_id == Department.id)
            .outerjoin(funder, Contract.funder_organization_id == funder.id)
            .where(Contract.status.in_(SIGNED_STATUSES)).order_by(Contract.id))


def _milestones():
    return (select(Milestone.id.label("id"), Milestone.contract_id.label("contract_id"),
                   Milestone.position.label("position"), Milestone.title.label("title"),
                   Milestone.due_on.label("due_on"), Milestone.amount_fen.label("amount_fen"),
                   Milestone.payable_fen.label("payable_fen"), Milestone.status.label("status"),
                   Milestone.accepted_at.label("accepted_at"), Milestone.paid_at.label("paid_at"))
            .join(Contract, Milestone.contract_id == Contract.id)
            .where(Contract.status.in_(SIGNED_STATUSES)).order_by(Milestone.contract_id, Milestone.position))


def _payments():
    return (select(Payment.id.label("id"), Payment.contract_id.label("contract_id"),
                   Payment.milestone_id.label("milestone_id"), Organization.name.label("organization"),
                   Payment.amount_fen.label("amount_fen"), Payment.provider.label("provider"),
                   Payment.settled_at.label("settled_at"))
            .join(Contract, Payment.contract_id == Contract.id)
            .join(Organization, Payment.organization_id == Organization.id)
            .where(Payment.status == "settled", Contract.status.in_(SIGNED_STATUSES)).order_by(Payment.id))


def _evaluations():
    return (
        select(
            Evaluation.id.label("id"),
            Evaluation.kind.label("kind"),
            Evaluation.contract_id.label("contract_id"),
            Evaluation.application_id.label("application_id"),
            Organization.name.label("evaluator"),
            Evaluation.total_cp.label("total_hundredths"),
            Evaluation.band.label("band"),
            Evaluation.published_at.label("published_at"),
        )
        .join(Organization, Evaluation.evaluator_org_id == Organization.id)
        .where(Evaluation.status == "published")
        .order_by(Evaluation.id)
    )


def _ratings():
    return (select(Rating.id.label("id"), Rating.contract_id.label("contract_id"), Rating.period.label("period"),
                   Rating.stars.label("stars"), Rating.comment.label("comment"), Community.name.label("community"),
                   Rating.created_at.label("created_at"))
            .join(Community, Rating.community_id == Community.id)
            .where(Rating.hidden_at.is_(None)).order_by(Rating.id))


def _grades():
    return (select(OrganizationGrade.id.label("id"), Organization.name.label("organization"),
                   Organization.credit_code.label("credit_code"), OrganizationGrade.grade.label("grade"),
                   OrganizationGrade.valid_from.label("valid_from"), OrganizationGrade.valid_until.label("valid_until"))
            .join(Organization, OrganizationGrade.organization_id == Organization.id).order_by(OrganizationGrade.id))


def _rounds():
    return (select(Round.id.label("id"), Round.number.label("number"), Round.title.label("title"),
                   case((Round.department_id.is_not(None), Department.name), else_=Organization.name).label("sponsor"),
                   Round.max_grant_fen.label("max_grant_fen"), Round.match_cap_fen.label("match_cap_fen"),
                   Round.donor_cap_fen.label("donor_cap_fen"), Round.proposals_due_at.label("proposals_due_at"),
                   Round.giving_ends_at.label("giving_ends_at"), Round.status.label("status"))
            .outerjoin(Department, Round.department_id == Department.id)
            .outerjoin(Organization, Round.organization_id == Organization.id)
            .where(Round.status != "draft").order_by(Round.id))


def _matches():
    return (select(MatchResult.id.label("id"), MatchResult.round_id.label("round_id"),
                   MatchResult.proposal_id.label("proposal_id"), Proposal.title.label("project"),
                   Organization.name.label("organization"), MatchResult.donors.label("donors"),
                   MatchResult.counted_fen.label("counted_fen"), MatchResult.raw_match.label("raw_match"),
                   MatchResult.match_fen.label("match_fen"), MatchResult.capped.label("capped"))
            .join(Proposal, MatchResult.proposal_id == Proposal.id)
            .join(Organization, Proposal.organization_id == Organization.id).order_by(MatchResult.id))


def _problems():
    """The grid ledger without anyone's name or phone: what, where, with whom, by when, how it ended."""
    return (
        select(
            Problem.id.label("id"), District.name.label("district"), Street.name.label("street"),
            Community.name.label("community"), Problem.category.label("category"), Problem.urgency.label("urgency"),
            Problem.summary.label("summary"), Problem.status.label("status"), Problem.created_at.label("recorded_at"),
            Problem.first_dispatched_at.label("first_dispatched_at"), Problem.body_kind.label("body_kind"),
            Problem.due_at.label("due_at"), Problem.level.label("escalation_level"),
            Problem.closed_at.label("closed_at"), Problem.resolution.label("resolution"),
            Problem.rating.label("rating"),
        )
        .join(Community, Community.id == Problem.community_id)
        .join(Street, Street.id == Community.street_id)
        .join(District, District.id == Street.district_id)
        .order_by(Problem.id)
    )


def _task_list_items():
    return (select(District.name.label("district"), TaskList.version.label("version"),
                   TaskList.title.label("list_title"), TaskList.effective_from.label("effective_from"),
                   TaskList.effective_until.label("effective_until"), TaskListItem.code.label("code"),
                   TaskListItem.kind.label("kind"), TaskListItem.title.label("item"),
                   TaskListItem.legal_basis.label("legal_basis"))
            .join(TaskList, TaskList.id == TaskListItem.task_list_id)
            .join(District, District.id == TaskList.district_id)
            .where(TaskList.status != "draft").order_by(TaskList.id, TaskListItem.position))


def _admission_requests():
    return (select(AdmissionRequest.id.label("id"), Department.name.label("department"),
                   Street.name.label("street"), Community.name.label("community"),
                   AdmissionRequest.title.label("work"), AdmissionRequest.frequency.label("frequency"),
                   AdmissionRequest.staff_hours.label("staff_hours"),
                   AdmissionRequest.money_offered.label("money_offered_fen"), AdmissionRequest.status.label("status"),
                   AdmissionRequest.submitted_at.label("submitted_at"), AdmissionRequest.decided_at.label("decided_at"),
                   AdmissionRequest.decision_note.label("decision_note"))
            .join(Department, Department.id == AdmissionRequest.department_id)
            .join(Street, Street.id == AdmissionRequest.street_id)
            .outerjoin(Community, Community.id == AdmissionRequest.community_id).order_by(AdmissionRequest.id))


def _pushed_work():
    return (select(PushedWork.id.label("id"), Community.name.label("community"), Department.name.label("department"),
                   PushedWork.title.label("work"), PushedWork.staff_hours.label("staff_hours"),
                   PushedWork.status.label("status"), PushedWork.reported_at.label("reported_at"),
                   PushedWork.decided_at.label("decided_at"), PushedWork.finding.label("finding"))
            .join(Community, Community.id == PushedWork.community_id)
            .join(Department, Department.id == PushedWork.department_id).order_by(PushedWork.id))


def _entrusted_agreements():
    return (select(Contract.number.label("number"), AdmissionRequest.id.label("admission_id"),
                   AdmissionRequest.title.label("work"), Department.name.label("department"),
                   Community.name.label("community"), Organization.name.label("community_body"),
                   Contract.price_fen.label("price_fen"), Contract.status.label("status"),
                   Contract.starts_on.label("starts_on"), Contract.ends_on.label("ends_on"),
                   Contract.signed_at.label("signed_at"))
            .select_from(EntrustedAgreement).join(Contract, Contract.id == EntrustedAgreement.contract_id)
            .join(AdmissionRequest, AdmissionRequest.id == EntrustedAgreement.admission_id)
            .join(Department, Department.id == Contract.department_id)
            .join(Community, Community.id == EntrustedAgreement.community_id)
            .join(Organization, Organization.id == EntrustedAgreement.organization_id)
            .where(Contract.status.in_(SIGNED_STATUSES)).order_by(EntrustedAgreement.id))


BURDEN = ("admitted_tasks:integer, refused_admissions:integer, pushed_upheld:integer, agreements:integer, "
          "entrusted_fen:fen, paid_fen:fen, share_with_money:integer?")

DATASETS = {
    d.name: d
    for d in (
        Dataset(
            "catalog-items",
            _l("Purchase catalog items"),
            _l("Every item of every published purchase catalog."),
            _cols(
                "id:integer, catalog_id:integer, department:string, year:integer, version:integer, code:string, "
                "name:string, category:string, competition:string, min_grade:integer"
            ),
            _catalog_items,
        ),
        Dataset(
            "tenders",
            _l("Tenders"),
            _l("Every published tender with its budget ceiling, method and dates."),
            _cols(
                "id:integer, title:string, department:string, category:string, method:string, "
                "budget_ceiling_fen:fen, status:string, published_at:datetime?, bid_deadline:datetime, "
                "opening_at:datetime, min_grade:integer"
            ),
            _tenders,
        ),
        Dataset(
            "opened-bids",
            _l("Opened bids"),
            _l("Bids after their public opening: bidder, price and receipt digest."),
            _cols(
                "id:integer, tender_id:integer, organization:string, credit_code:string, price_fen:fen?, "
                "opened_at:datetime, receipt_digest:string"
            ),
            _opened_bids,
        ),
        Dataset(
            "awards",
            _l("Awards"),
            _l("Every award with the winning price, its notice period and any reason given."),
            _cols(
                "id:integer, tender_id:integer, bid_id:integer, organization:string, price_fen:fen?, "
                "awarded_at:datetime, notice_ends_at:datetime, reason:string"
            ),
            _awards,
        ),
        Dataset(
            "challenges",
            _l("Challenges and answers"),
            _l("Bidders' challenges to awards and the purchasers' answers."),
            _cols(
                "id:integer, tender_id:integer, organization:string, filed_at:datetime, grounds:string, "
                "answer_due_at:datetime, answered_at:datetime?, answer:string"
            ),
            _challenges,
        ),
        Dataset(
            "contracts",
            _l("Contracts"),
            _l("Signed contracts and grant agreements."),
            _cols(
                "id:integer, number:string, title:string, purchaser:string?, organization:string, "
                "tender_id:integer?, round_id:integer?, price_fen:fen, starts_on:date, ends_on:date, status:string, "
                "signed_at:datetime?"
            ),
            _contracts,
        ),
        Dataset(
            "milestones",
            _l("Milestones"),
            _l("The milestones and tranches of signed contracts."),
            _cols(
                "id:integer, contract_id:integer, position:integer, title:string, due_on:date, amount_fen:fen, "
                "payable_fen:fen?, status:string, accepted_at:datetime?, paid_at:datetime?"
            ),
            _milestones,
        ),
        Dataset(
            "payments",
            _l("Payments"),
            _l("Tranches paid to organizations."),
            _cols(
                "id:integer, contract_id:integer, milestone_id:integer, organization:string, amount_fen:fen, "
                "provider:string, settled_at:datetime?"
            ),
            _payments,
        ),
        Dataset(
            "evaluations",
            _l("Evaluations"),
            _l("Published third-party evaluations and their scores."),
            _cols(
                "id:integer, kind:string, contract_id:integer?, application_id:integer?, evaluator:string, "
                "total_hundredths:integer?, band:string, published_at:datetime?"
            ),
            _evaluations,
        ),
        Dataset(
            "ratings",
            _l("Residents' ratings"),
            _l("Ratings by verified residents; who rated is not published."),
            _cols(
                "id:integer, contract_id:integer, period:integer, stars:integer, comment:string, community:string, "
                "created_at:datetime"
            ),
            _ratings,
        ),
        Dataset(
            "grades",
            _l("Grades"),
            _l("Organizations' grades (等级评估) and their validity."),
            _cols(
                "id:integer, organization:string, credit_code:string, grade:integer, valid_from:date, valid_until:date"
            ),
            _grades,
        ),
        Dataset(
            "rounds",
            _l("Venture-philanthropy rounds"),
            _l("Rounds with their caps, deadlines and status."),
            _cols(
                "id:integer, number:string, title:string, sponsor:string?, max_grant_fen:fen, match_cap_fen:fen?, "
                "donor_cap_fen:fen, proposals_due_at:datetime, giving_ends_at:datetime, status:string"
            ),
            _rounds,
        ),
        Dataset(
            "matches",
            _l("Matches"),
            _l("Frozen quadratic matches: donors counted, gifts counted and the match."),
            _cols(
                "id:integer, round_id:integer, proposal_id:integer, project:string, organization:string, "
                "donors:integer, counted_fen:fen, raw_match:string, match_fen:fen, capped:boolean"
            ),
            _matches,
        ),
        Dataset(
            "need_outcomes",
            _l("Needs' outcomes"),
            _l("Where each need residents posted ended up: answered by a service or by the community itself, "
               "declined, withdrawn, closed, or still waiting; the outcome figures of every place are counted "
               "from these rows. Who posted is not published; needs a worker hid are left out."),
            _cols(
                "need_id:integer, community:string, street:string, district:string, category:string, posted_on:date, "
                "answer:string, answered_on:date?, stop:string, stopped_on:date?"
            ),
            _need_outcomes,
        ),
        Dataset(
            "problems",
            _l("Problem ledger"),
            _l("Every problem grid and building leaders recorded for residents, with its category, status, deadline, "
               "escalation and outcome; never who raised it. The monthly rates are on the ledger's rates page."),
            _cols(
                "id:integer, district:string, street:string, community:string, category:string, urgency:string, "
                "summary:string, status:string, recorded_at:datetime, first_dispatched_at:datetime?, "
                "body_kind:string, due_at:datetime?, escalation_level:integer, closed_at:datetime?, "
                "resolution:string, rating:string"
            ),
            _problems,
        ),
        Dataset(
            "task-lists",
            _l("The two lists of community work"),
            _l("Every item of every published version of each district's two lists: what residents' committees do "
               "by law (duty) and what they help the government with (assistance), with its legal basis and the days "
               "the version applies."),
            _cols("district:string, version:integer, list_title:string, effective_from:date, effective_until:date?, "
                  "code:string, kind:string, item:string, legal_basis:string"),
            _task_list_items,
        ),
        Dataset(
            "admission-requests",
            _l("Admission requests"),
            _l("Every request of a department to push work beyond the two lists down to communities: what, for whom, "
               "how often, the staff hours and money offered, and civil affairs' decision with its conditions or "
               "reason."),
            _cols("id:integer, department:string, street:string, community:string?, work:string, frequency:string, "
                  "staff_hours:integer, money_offered_fen:fen, status:string, submitted_at:datetime, "
                  "decided_at:datetime?, decision_note:string"),
            _admission_requests,
        ),
        Dataset(
            "pushed-work",
            _l("Work pushed without admission"),
            _l("Every report of work a department pushed on a community without admission, and civil affairs' "
               "finding."),
            _cols("id:integer, community:string, department:string, work:string, staff_hours:integer, status:string, "
                  "reported_at:datetime, decided_at:datetime?, finding:string"),
            _pushed_work,
        ),
        Dataset(
            "entrusted-agreements",
            _l("Agreements entrusting work to communities"),
            _l("Every signed agreement entrusting admitted work to a community's residents' committee or workstation, "
               "with the admission request it follows and the money that came with the work."),
            _cols("number:string, admission_id:integer, work:string, department:string, community:string, "
                  "community_body:string, price_fen:fen, status:string, starts_on:date, ends_on:date, "
                  "signed_at:datetime?"),
            _entrusted_agreements,
        ),
        Dataset(
            "community-burden",
            _l("Work asked of communities"),
            _l("For each community with something to count: the admitted tasks (an admission for a whole street "
               "counts once for each of its communities), the refused admissions, the work pushed down without "
               "admission that civil affairs upheld, the signed agreements and their money, what was paid, and the "
               "whole percent of the tasks that came with their money."),
            _cols("community_id:integer, district:string, street:string, community:string, " + BURDEN),
            burden.community_select,
        ),
        Dataset(
            "department-burden",
            _l("Work departments asked of communities"),
            _l("For each department that asked for admission or was found to push work down: the same figures over "
               "every community it asked."),
            _cols("department_id:integer, department:string, " + BURDEN),
            burden.department_select,
        ),
    )
}


"""Public scorecards: what an organization has delivered and how it was judged, and how
organizations rate a purchasing department. A fixed number of queries whatever the history."""
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from market import clock
from market.contracts import delivery
from market.contracts.models import SIGNED_STATUSES, Contract, DeliveryReport, Milestone
from market.core import scoring
from market.evaluation import ratings
from market.evaluation.models import DepartmentRating, Evaluation, GradeApplication
from market.extensions import db
from market.organizations.models import OrganizationGrade
from market.procurement import undertakers

SIGNED = SIGNED_STATUSES
DECIDED = ("accepted", "paying", "paid", "held", "withheld")


@dataclass
class OrganizationCard:
    grade: int | None
    grades: list
    contracts_won: int
    contracts_completed: int
    milestones_accepted: int
    milestones_on_time: int
    evaluations: list = field(default_factory=list)  # (evaluation, contract number, total)
    satisfaction: Decimal | None = None
    ratings: int = 0
    stars: dict = field(default_factory=dict)
    department_ratings: dict = field(default_factory=dict)
    department_ratings_count: int = 0
    reports_overdue: int = 0  # owed past their date today
    reports_late: int = 0  # late over the last 12 months
    often_late: bool = False

    @property
    def on_time_percent(self) -> Decimal | None:
        if not self.milestones_accepted:
            return None
        return scoring.rounded(Decimal(self.milestones_on_time) * 100 / Decimal(self.milestones_accepted))


def organization_card(organization_id: int) -> OrganizationCard:
    won, completed = db.session.execute(select(
        func.count(Contract.id), func.count(Contract.id).filter(Contract.status == "completed"))
        .where(Contract.organization_id == organization_id, Contract.status.in_(SIGNED))).one()
    # On time: the first report of an accepted milestone came in by its due date.
    first_report = (select(DeliveryReport.milestone_id, func.min(DeliveryReport.submitted_at).label("first"))
                    .group_by(DeliveryReport.milestone_id).subquery())
    decided = db.session.execute(select(Milestone.due_on, first_report.c.first).join(Contract).join(
        first_report, first_report.c.milestone_id == Milestone.id).where(
        Contract.organization_id == organization_id, Milestone.status.in_(DECIDED))).all()
    on_time = sum(1 for due_on, first in decided if clock.china_date(first) <= due_on)
    evaluations = db.session.execute(select(Evaluation, Contract.number).join(
        Contract, Evaluation.contract_id == Contract.id).where(
        Contract.organization_id == organization_id, Evaluation.status == "published")
        .order_by(Evaluation.published_at, Evaluation.id)).all()
    index, count = ratings.satisfaction(organization_id=organization_id)
    averages, rated = ratings.department_averages(organization_id=organization_id)
    lateness = delivery.report_lateness({organization_id}, clock.today())[organization_id]
    return OrganizationCard(
        grade=undertakers.current_grade(organization_id), grades=grade_history(organization_id),
        contracts_won=won, contracts_completed=completed, milestones_accepted=len(decided), milestones_on_time=on_time,
        evaluations=[(e, number, scoring.from_centipoints(e.total_cp)) for e, number in evaluations],
        satisfaction=index, ratings=count, stars=ratings.star_counts(organization_id=organization_id),
        department_ratings=averages, department_ratings_count=rated, reports_overdue=lateness.overdue_now,
        reports_late=lateness.late_this_year, often_late=lateness.often_late)


def grade_history(organization_id: int) -> list[tuple[OrganizationGrade, GradeApplication | None]]:
    rows = db.session.execute(select(OrganizationGrade, GradeApplication).outerjoin(
        GradeApplication, GradeApplication.grade_id == OrganizationGrade.id).where(
        OrganizationGrade.organization_id == organization_id).order_by(OrganizationGrade.valid_from.desc())).all()
    return [(grade, application) for grade, application in rows]


@dataclass
class DepartmentCard:
    averages: dict
    count: int
    satisfaction: Decimal | None
    ratings: int
    late: int
    paid: int
    evaluations_mean: Decimal | None
    evaluations: int
    payments_overdue: int = 0  # accepted tranches past their pay-by date today


def department_card(department_id: int) -> DepartmentCard:
    averages, count = ratings.department_averages(department_id=department_id)
    index, rated = ratings.satisfaction(department_id=department_id)
    late, paid = ratings.late_milestones(department_id)
    total, evaluated = db.session.execute(select(func.coalesce(func.sum(Evaluation.total_cp), 0),
                                                 func.count(Evaluation.id)).join(
        Contract, Evaluation.contract_id == Contract.id).where(Contract.department_id == department_id,
                                                               Evaluation.status == "published")).one()
    mean = scoring.rounded(Decimal(int(total)) / Decimal(evaluated) / 100) if evaluated else None
    overdue = db.session.scalar(select(func.count(Milestone.id)).join(Contract).where(
        Contract.department_id == department_id, Milestone.status.in_(("accepted", "paying")),
        Milestone.pay_by < clock.today()))
    return DepartmentCard(averages, count, index, rated, late, paid, mean, evaluated, overdue)


def department_ratings_select(department_id: int):
    from sqlalchemy.orm import joinedload

    return (select(DepartmentRating).where(DepartmentRating.department_id == department_id)
            .options(joinedload(DepartmentRating.contract)).order_by(DepartmentRating.id.desc()))

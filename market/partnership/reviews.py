"""The year-end evaluation both ways (双向评估) of entrusted work: each department evaluates the entrusted
work of every community body it had a signed agreement with that year, and each body evaluates the
department (its guidance, paying on time, respect for the two lists, work pushed down without
admission). The evaluations of year Y are given from 15 November of Y to 31 March of Y + 1, once per
pair and side, and are public: the department's scorecard shows both sides."""
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from market import clock
from market.contracts.models import SIGNED_STATUSES, Contract
from market.core import text, unit
from market.core.errors import NotFound, ServiceError
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.organizations.models import Organization
from market.partnership.actions import REVIEW_ACTIONS
from market.partnership.models import REVIEW_ITEMS, EntrustedAgreement, YearReview
from market.places.models import Department


@dataclass(frozen=True)
class Pair:
    year: int
    direction: str
    department: Department
    organization: Organization
    agreement_id: int  # one of the pair's agreements of the year: what the evaluation's page is found by


def window(year: int) -> tuple[date, date]:
    return date(year, 11, 15), date(year + 1, 3, 31)


def open_year(today: date) -> int | None:
    """The year whose evaluations are being given today, if any."""
    for year in (today.year, today.year - 1):
        first, last = window(year)
        if first <= today <= last:
            return year
    return None


def _pairs_select(year: int):
    """(department, body, first agreement) for each pair with a signed agreement whose term touches the year."""
    return (select(Contract.department_id, EntrustedAgreement.organization_id, func.min(EntrustedAgreement.id))
            .join(EntrustedAgreement, EntrustedAgreement.contract_id == Contract.id)
            .where(Contract.status.in_(SIGNED_STATUSES), Contract.starts_on <= date(year, 12, 31),
                   Contract.ends_on >= date(year, 1, 1))
            .group_by(Contract.department_id, EntrustedAgreement.organization_id))


def pair(viewer, direction: str, agreement_id: int, today: date) -> Pair:
    """The evaluation, of the year being evaluated today, between the two sides of an agreement, if the
    viewer is on the evaluating side; refused with the reason otherwise."""
    year = open_year(today)
    agreement = db.session.get(EntrustedAgreement, agreement_id)
    if direction not in REVIEW_ITEMS or agreement is None or year is None:
        raise NotFound(_("This evaluation does not exist."))
    found = Pair(year, direction, agreement.contract.department, agreement.organization, agreement.id)
    REVIEW_ACTIONS.require(viewer, found, "give")  # whoever is on neither side learns nothing more
    first = db.session.execute(_pairs_select(year).where(
        Contract.department_id == found.department.id, EntrustedAgreement.organization_id == found.organization.id)
    ).first()
    if first is None:
        raise NotFound(_("There was no signed agreement between them in %(year)s.", year=year))
    return replace(found, agreement_id=first[2])


def give(actor, found: Pair, scores: dict[str, int | None], comment: str) -> YearReview:
    """Record one side's evaluation, once; every item is scored from 1 to 5."""
    REVIEW_ACTIONS.require(actor, found, "give")
    first, last = window(found.year)
    if not first <= clock.today() <= last:
        raise ServiceError(_("The evaluations of %(year)s are given from %(first)s to %(last)s.", year=found.year,
                             first=first.isoformat(), last=last.isoformat()), code="outside_window")
    items = REVIEW_ITEMS[found.direction]
    for item in items:
        if scores.get(item) not in (1, 2, 3, 4, 5):
            raise ServiceError(_("Score every item from 1 to 5."), field=item)
    review = YearReview(year=found.year, direction=found.direction, department_id=found.department.id,
                        organization_id=found.organization.id, scores={item: scores[item] for item in items},
                        comment=text.clean(comment, 2000), reviewed_by_id=actor.id, reviewed_at=clock.now())
    db.session.add(review)
    refuse_if_taken(_("This evaluation was given already; it is public and does not change."), code="given")
    unit.flush()
    return review


def owed_select(year: int, direction: str, department_ids=(), organization_ids=()):
    """The (department, body) pairs of the year whose evaluation in `direction` is not given yet, of these
    departments (evaluating communities) or these bodies (evaluating departments), with their names."""
    mine = (Contract.department_id.in_(list(department_ids)) if direction == "of_community"
            else EntrustedAgreement.organization_id.in_(list(organization_ids)))
    given = select(YearReview.id).where(YearReview.year == year, YearReview.direction == direction,
                                        YearReview.department_id == Contract.department_id,
                                        YearReview.organization_id == EntrustedAgreement.organization_id)
    return (_pairs_select(year).add_columns(Department.name, Organization.name)
            .join(Department, Department.id == Contract.department_id)
            .join(Organization, Organization.id == EntrustedAgreement.organization_id)
            .where(mine, ~given.exists()).group_by(Department.name, Organization.name)
            .order_by(Contract.department_id, EntrustedAgreement.organization_id))


def waiting(user, today: date) -> list[Pair]:
    """The evaluations this person's side still owes for the year being evaluated today."""
    year = open_year(today)
    if year is None or not (user and user.is_authenticated):
        return []
    found = []
    for direction in REVIEW_ITEMS:
        rows = db.session.execute(owed_select(year, direction, user.department_ids(), user.organization_ids())).all()
        if not rows:
            continue
        departments = {d.id: d for d in db.session.scalars(select(Department).where(
            Department.id.in_({row[0] for row in rows})))}
        bodies = {o.id: o for o in db.session.scalars(select(Organization).where(
            Organization.id.in_({row[1] for row in rows})))}
        found += [Pair(year, direction, departments[department_id], bodies[organization_id], agreement_id)
                  for department_id, organization_id, agreement_id, _department, _body in rows]
    return found


def reviews_select(department_id: int | None = None, organization_id: int | None = None):
    statement = (select(YearReview).options(joinedload(YearReview.department), joinedload(YearReview.organization))
                 .order_by(YearReview.year.desc(), YearReview.id.desc()))
    if department_id is not None:
        statement = statement.where(YearReview.department_id == department_id)
    if organization_id is not None:
        statement = statement.where(YearReview.organization_id == organization_id)
    return statement


def averages(department_id: int) -> dict[str, tuple[dict[str, float | None], int]]:
    """Per direction, the mean score of each item over every year's evaluations, and how many there are."""
    rows = db.session.scalars(reviews_select(department_id=department_id)).all()
    found = {}
    for direction, items in REVIEW_ITEMS.items():
        mine = [r for r in rows if r.direction == direction]
        found[direction] = ({item: round(sum(r.scores[item] for r in mine) / len(mine), 2) if mine else None
                             for item in items}, len(mine))
    return found

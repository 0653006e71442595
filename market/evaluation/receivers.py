"""How evaluation answers the areas below it (imported, and so connected, once by market/__init__.py)."""
from sqlalchemy import func, select

from market.accounts.roles import Role
from market.contracts.signals import may_inspect
from market.evaluation import rubrics
from market.evaluation.models import Evaluation, Rating
from market.extensions import db
from market.needs.signals import journey_ratings
from market.procurement.signals import CriteriaSource, criteria_sources

EVALUATING = ("scoring", "submitted", "published")  # past the conflict declaration


@may_inspect.connect
def _commissioned_evaluator(contract, user, **_):
    """An evaluator of an organization commissioned to evaluate this contract."""
    evaluator_orgs = {g.organization_id for g in user.grants if g.role == Role.EVALUATOR}
    return bool(evaluator_orgs) and db.session.scalar(select(Evaluation.id).where(
        Evaluation.contract_id == contract.id, Evaluation.evaluator_org_id.in_(evaluator_orgs),
        Evaluation.status.in_(EVALUATING))) is not None


@criteria_sources.connect
def _bid_rubrics(_sender, **_):
    """A published bid rubric fills a new tender's criteria (its top-level indicators and points)."""
    return CriteriaSource(lambda: [(r.id, r.name) for r in rubrics.published("bid")],
                          lambda rubric_id: rubrics.criteria_of(rubrics.get_rubric(rubric_id)))


@journey_ratings.connect
def _ratings_of_services(_sender, contract_ids, **_):
    """The residents' ratings of these contracts' services (not those hidden), for a need's journey."""
    count, average, first = db.session.execute(
        select(func.count(Rating.id), func.avg(Rating.stars), func.min(Rating.created_at))
        .where(Rating.contract_id.in_(sorted(contract_ids)), Rating.hidden_at.is_(None))).one()
    return (count, float(average), first) if count else None

"""Residents' ratings of the services they received (居民评议), and the organization's rating of
the purchasing department (双向评估).

Only a verified resident of a community the contract serves may rate, and only if they received
the service: the organization registered them as served, or they hold a one-time code handed out
at the service. One rating per contract year: a unique key keeps it to one even when two are sent
at the same moment, and a code is claimed by a conditional UPDATE in the same transaction.
"""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market import clock
from market.accounts.models import Residence, User
from market.contracts import access
from market.contracts.models import SIGNED_STATUSES, Contract, Milestone, contract_community
from market.core import codes, scoring, text, unit
from market.core.errors import PermissionDenied, Problem, ServiceError
from market.core.unit import refuse_if_taken
from market.evaluation.actions import SERVED_ACTIONS
from market.evaluation.models import Beneficiary, DepartmentRating, Rating, RatingCode
from market.extensions import db
from market.needs import moderation
from market.notifications import services as notifications
from market.notifications.wording import describes

RATEABLE = SIGNED_STATUSES
MAX_CODES = 100
MAX_BENEFICIARIES = 200
DEPARTMENT_ITEMS = ("paid_on_time", "clear_requirements", "no_interference")


def period_of(contract: Contract, day=None) -> int:
    """The contract year a day falls in (1 for the first twelve months)."""
    day = day or clock.today()
    return max(1, min((day - contract.starts_on).days // 365 + 1,
                      (contract.ends_on - contract.starts_on).days // 365 + 1))


def _require_organization_side(actor, contract: Contract) -> None:
    if "organization" not in access.sides_of(actor, contract):
        raise PermissionDenied(_("Only a member of this organization can do this."))


def _serves(contract: Contract, user) -> bool:
    return bool(user and user.is_authenticated and user.is_verified_resident
                and user.residence.community_id in {c.id for c in contract.communities})


def is_beneficiary(user, contract: Contract) -> bool:
    return bool(user and user.is_authenticated and db.session.scalar(select(Beneficiary.id).filter_by(
        contract_id=contract.id, user_id=user.id)) is not None)


def has_rated(user, contract: Contract) -> bool:
    return bool(user and user.is_authenticated and db.session.scalar(select(Rating.id).filter_by(
        contract_id=contract.id, user_id=user.id, period=period_of(contract))) is not None)


def rating_problem(user, contract: Contract) -> Problem | None:
    """Why this person may not rate now, with its code (None: they may, with a code if not registered as served)."""
    if not (user and user.is_authenticated):
        return Problem(_("Sign in to rate the service."), code="sign_in_to_rate")
    if contract.status not in RATEABLE:
        return Problem(_("The service is rated once the contract is in force."), code="contract_not_rateable")
    if not _serves(contract, user):
        return Problem(_("Only verified residents of the communities this contract serves can rate it."),
                       code="not_served")
    if has_rated(user, contract):
        return Problem(_("You have rated this service for this contract year already."), code="already_rated")
    return None


def rate(actor: User, contract: Contract, stars: int, comment: str, code: str = "") -> Rating:
    problem = rating_problem(actor, contract)
    if problem:
        raise PermissionDenied(problem, code=problem.code)
    if stars not in (1, 2, 3, 4, 5):
        raise ServiceError(_("Choose from 1 to 5 stars."), field="stars", code="stars_out_of_range")
    comment = text.clean(comment, 2000)
    now = clock.now()
    if is_beneficiary(actor, contract):
        basis = "beneficiary"
    else:
        code = codes.normalize(code)
        if not code:
            raise ServiceError(_("Enter the code you were given at the service; residents registered as served "
                               "by the organization do not need one."), field="code", code="rating_code_missing")
        claimed = db.session.execute(
            update(RatingCode).where(RatingCode.contract_id == contract.id, RatingCode.code_hash == codes.digest(code),
                                     RatingCode.used_at.is_(None)).values(used_at=now, used_by_id=actor.id)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            raise ServiceError(_("This code is not valid for this service, or it was used already."), field="code",
                               code="rating_code_invalid")
        basis = "code"
    rating = Rating(contract_id=contract.id, user_id=actor.id, period=period_of(contract), stars=stars,
                    comment=comment, community_id=actor.residence.community_id, basis=basis, created_at=now)
    db.session.add(rating)
    # A second rating sent at the same moment meets the unique key; its code claim rolls back with it.
    refuse_if_taken(_("You have rated this service for this contract year already."), code="already_rated")
    return rating


def issue_codes(actor: User, contract: Contract, count: int) -> list[str]:
    """Codes to hand out at the service; the plain codes are shown only now."""
    SERVED_ACTIONS.require(actor, contract, "issue_codes")
    if not 1 <= count <= MAX_CODES:
        raise ServiceError(_("Issue between 1 and %(n)s codes at a time.", n=MAX_CODES), field="count")
    now = clock.now()
    issued = []
    for _i in range(count):
        code = codes.new_code()
        issued.append(code)
        db.session.add(RatingCode(contract_id=contract.id, code_hash=codes.digest(code), issued_by_id=actor.id,
                                  issued_at=now))
    unit.flush()
    return issued


def code_counts(contract: Contract) -> tuple[int, int]:
    issued, used = db.session.execute(select(func.count(RatingCode.id), func.count(RatingCode.used_at)).where(
        RatingCode.contract_id == contract.id)).one()
    return issued, used


def register_beneficiaries(actor: User, contract: Contract, emails: str) -> int:
    """Register residents served, by their account e-mail; all or nothing, with every unknown address named."""
    SERVED_ACTIONS.require(actor, contract, "register_served")
    wanted = list(dict.fromkeys(e.strip().lower() for e in (emails or "").replace(",", "\n").splitlines()
                                if e.strip()))
    if not wanted:
        raise ServiceError(_("List at least one e-mail address."), field="emails")
    if len(wanted) > MAX_BENEFICIARIES:
        raise ServiceError(_("Register at most %(n)s residents at a time.", n=MAX_BENEFICIARIES), field="emails")
    community_ids = {c.id for c in contract.communities}
    found = {u.email: u for u in db.session.scalars(select(User).join(Residence, Residence.user_id == User.id).where(
        User.email.in_(wanted), Residence.status == "verified", Residence.community_id.in_(community_ids)))}
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise ServiceError(_("These addresses are not verified residents of the communities served: %(emails)s",
                             emails=", ".join(unknown)), field="emails", code="not_residents_served")
    known = set(db.session.scalars(select(Beneficiary.user_id).where(Beneficiary.contract_id == contract.id)))
    now = clock.now()
    added = 0
    for user in found.values():
        if user.id not in known:
            db.session.add(Beneficiary(contract_id=contract.id, user_id=user.id, registered_by_id=actor.id,
                                       registered_at=now))
            # the resident may rate it now: tell them so, with the page where they do (a need's askers
            # hear of the service's start from the timeline; this is the invitation to judge it)
            notifications.notify(user, "invited_to_rate", {"contract": contract.title, "organization":
                                                           contract.organization.name},
                                 ("evaluation.contract", {"contract_id": contract.id}),
                                 mail_subject=lambda: _("Rate the service that served you"))
            added += 1
    unit.flush()
    return added


@describes("invited_to_rate")
def _invited_to_rate(d):
    return _("You are registered as served by “%(contract)s” (%(organization)s): you may rate it.",
             contract=d.get("contract", ""), organization=d.get("organization", ""))


def beneficiary_count(contract: Contract) -> int:
    return db.session.scalar(select(func.count(Beneficiary.id)).where(Beneficiary.contract_id == contract.id))


def ratings_select(contract: Contract, include_hidden: bool = False):
    statement = select(Rating).where(Rating.contract_id == contract.id).order_by(Rating.id.desc())
    return statement if include_hidden else statement.where(Rating.hidden_at.is_(None))


def satisfaction(contract_ids=None, organization_id=None, community_id=None, department_id=None
                 ) -> tuple[Decimal | None, int]:
    """The satisfaction index (0–100) and the number of visible ratings behind it, for one scope."""
    statement = select(func.coalesce(func.sum(Rating.stars), 0), func.count(Rating.id)).where(
        Rating.hidden_at.is_(None))
    if contract_ids is not None:
        statement = statement.where(Rating.contract_id.in_(contract_ids))
    if community_id is not None:
        statement = statement.where(Rating.community_id == community_id)
    if organization_id is not None or department_id is not None:
        statement = statement.join(Contract, Contract.id == Rating.contract_id)
        if organization_id is not None:
            statement = statement.where(Contract.organization_id == organization_id)
        if department_id is not None:
            statement = statement.where(Contract.department_id == department_id)
    total, count = db.session.execute(statement).one()
    if not count:
        return None, 0
    mean = Decimal(int(total)) / Decimal(count)
    return scoring.rounded((mean - 1) * 25), count


def star_counts(**scope) -> dict[int, int]:
    statement = select(Rating.stars, func.count(Rating.id)).where(Rating.hidden_at.is_(None)).group_by(Rating.stars)
    if "organization_id" in scope:
        statement = statement.join(Contract, Contract.id == Rating.contract_id).where(
            Contract.organization_id == scope["organization_id"])
    if "contract_id" in scope:
        statement = statement.where(Rating.contract_id == scope["contract_id"])
    counts = dict(db.session.execute(statement).all())
    return {stars: counts.get(stars, 0) for stars in range(1, 6)}


def served_communities(contract_id: int) -> set[int]:
    return set(db.session.scalars(select(contract_community.c.community_id).where(
        contract_community.c.contract_id == contract_id)))


# Ratings are moderated as needs are: anyone signed in flags, a worker of the rater's community hides.
moderation.moderated("rating", Rating, lambda rating: rating.community_id)


# --- two-way evaluation --------------------------------------------------------------------------

def department_stages(contract: Contract) -> list[tuple[str, str]]:
    """The stages the organization may rate the department after: each decided milestone, and the end.
    A grant funded by a foundation or an incubator has no department to rate."""
    if contract.department_id is None:
        return []
    stages = [(f"milestone:{m.id}", m.title) for m in contract.milestones
              if m.status in ("accepted", "paying", "paid", "rejected", "held", "withheld")]
    if contract.status in ("completed", "terminated"):
        stages.append(("contract", _("The whole contract")))
    return stages


def open_department_stages(contract: Contract) -> list[tuple[str, str]]:
    rated = set(db.session.scalars(select(DepartmentRating.stage).where(DepartmentRating.contract_id == contract.id)))
    return [(key, label) for key, label in department_stages(contract) if key not in rated]


def rate_department(actor: User, contract: Contract, stage: str, scores: dict[str, int], comment: str
                    ) -> DepartmentRating:
    _require_organization_side(actor, contract)
    if stage not in dict(department_stages(contract)):
        raise ServiceError(_("The department is rated after a milestone is decided or the contract ends."),
                           field="stage", code="stage_not_decided")
    for item in DEPARTMENT_ITEMS:
        if scores.get(item) not in (1, 2, 3, 4, 5):
            raise ServiceError(_("Give every item from 1 to 5."), field=item, code="item_score_out_of_range")
    rating = DepartmentRating(contract_id=contract.id, stage=stage, department_id=contract.department_id,
                              organization_id=contract.organization_id, comment=text.clean(comment, 2000),
                              rated_by_id=actor.id, created_at=clock.now(), **{i: scores[i] for i in DEPARTMENT_ITEMS})
    db.session.add(rating)
    refuse_if_taken(_("This stage is rated already."), field="stage", code="stage_already_rated")
    return rating


def department_ratings(contract: Contract) -> list[DepartmentRating]:
    return db.session.scalars(select(DepartmentRating).where(DepartmentRating.contract_id == contract.id)
                              .order_by(DepartmentRating.id)).all()


def department_averages(department_id: int | None = None, organization_id: int | None = None
                        ) -> tuple[dict[str, Decimal | None], int]:
    """Mean of each item (1–5, two decimals) over the department's ratings (or those an organization gave)."""
    columns = [func.coalesce(func.sum(getattr(DepartmentRating, i)), 0) for i in DEPARTMENT_ITEMS]
    statement = select(func.count(DepartmentRating.id), *columns)
    if department_id is not None:
        statement = statement.where(DepartmentRating.department_id == department_id)
    if organization_id is not None:
        statement = statement.where(DepartmentRating.organization_id == organization_id)
    count, *sums = db.session.execute(statement).one()
    if not count:
        return {i: None for i in DEPARTMENT_ITEMS}, 0
    return {i: scoring.rounded(Decimal(int(s)) / Decimal(count)) for i, s in zip(DEPARTMENT_ITEMS, sums)}, count


def late_milestones(department_id: int) -> tuple[int, int]:
    """Of the department's paid tranches, how many were paid after their pay-by date; and how many paid."""
    paid = db.session.execute(select(Milestone.paid_at, Milestone.pay_by).join(Contract).where(
        Contract.department_id == department_id, Milestone.status == "paid")).all()
    late = sum(1 for paid_at, pay_by in paid if pay_by is not None and clock.china_date(paid_at) > pay_by)
    return late, len(paid)

"""The burden on communities, measured (减负): per community and per department, the admitted tasks, the
agreements entrusting them and their money, the work pushed down without admission (reports civil
affairs upheld), the refused admissions, and the share of the community work that came with its money.

A task is one piece of work for one community: an admitted request counts once for the community it
names or once for each community of its street; an upheld report of pushed work counts once. A task
came with its money when a signed agreement entrusts it to a body of that community (a task renewed
each year counts once, however many agreements it had). Each figure is
one correlated count in SQL, so a page or a download is one query whatever the history."""
from sqlalchemy import BigInteger, cast, func, or_, select

from market.contracts.models import SIGNED_STATUSES, Contract, Milestone
from market.partnership.admissions import applies_to
from market.partnership.models import AdmissionRequest, EntrustedAgreement, PushedWork
from market.places.models import Community, Department, District, Street

COLUMNS = ("admitted_tasks", "refused_admissions", "pushed_upheld", "agreements", "entrusted_fen", "paid_fen",
           "share_with_money")


def _signed_agreements():
    return (select(EntrustedAgreement.id).select_from(EntrustedAgreement)
            .join(Contract, Contract.id == EntrustedAgreement.contract_id).where(Contract.status.in_(SIGNED_STATUSES)))


def _fen(total):
    """A sum of fen as an integer: PostgreSQL sums bigints as numeric."""
    return cast(func.coalesce(func.sum(total), 0), BigInteger)


def _paid(where):
    due = func.coalesce(Milestone.payable_fen, Milestone.amount_fen)
    return (select(_fen(due)).select_from(Milestone)
            .join(EntrustedAgreement, EntrustedAgreement.contract_id == Milestone.contract_id)
            .join(Contract, Contract.id == Milestone.contract_id)
            .where(Milestone.status == "paid", where).scalar_subquery())


def _entrusted(where):
    return (select(_fen(Contract.price_fen)).select_from(Contract)
            .join(EntrustedAgreement, EntrustedAgreement.contract_id == Contract.id)
            .where(Contract.status.in_(SIGNED_STATUSES), where).scalar_subquery())


def _count(statement):
    return statement.with_only_columns(func.count()).scalar_subquery()


def _with_money():
    """The admitted request and the community of the enclosing count have a signed agreement."""
    return _signed_agreements().where(EntrustedAgreement.admission_id == AdmissionRequest.id,
                                      EntrustedAgreement.community_id == Community.id).exists()


def _share(with_money, admitted, pushed):
    """Whole percent of the tasks that came with their money, rounded down; null without tasks."""
    return (with_money * 100).op("/")(func.nullif(admitted + pushed, 0))  # integer division on both databases


def community_select(community_id: int | None = None, district_id: int | None = None):
    """One row per community (one community, or those of a district), with every figure; for the whole
    city, the communities with something to count."""
    c = Community
    agreements_here = EntrustedAgreement.community_id == c.id
    admitted = _count(select(AdmissionRequest.id).where(AdmissionRequest.status == "admitted", applies_to(c)))
    with_money = (select(func.count(func.distinct(EntrustedAgreement.admission_id))).select_from(EntrustedAgreement)
                  .join(Contract, Contract.id == EntrustedAgreement.contract_id)
                  .where(Contract.status.in_(SIGNED_STATUSES), agreements_here).scalar_subquery())
    refused = _count(select(AdmissionRequest.id).where(AdmissionRequest.status == "refused", applies_to(c)))
    pushed = _count(select(PushedWork.id).where(PushedWork.status == "upheld", PushedWork.community_id == c.id))
    agreements = _count(_signed_agreements().where(agreements_here))
    rows = (select(c.id.label("community_id"), District.name.label("district"), Street.name.label("street"),
                   c.name.label("community"), admitted.label("admitted_tasks"), refused.label("refused_admissions"),
                   pushed.label("pushed_upheld"), agreements.label("agreements"),
                   _entrusted(agreements_here).label("entrusted_fen"), _paid(agreements_here).label("paid_fen"),
                   _share(with_money, admitted, pushed).label("share_with_money"))
            .join(Street, Street.id == c.street_id).join(District, District.id == Street.district_id))
    if community_id is not None:
        rows = rows.where(c.id == community_id)
    if district_id is not None:
        rows = rows.where(Street.district_id == district_id)
    if community_id is None and district_id is None:
        rows = rows.where(or_(
            select(AdmissionRequest.id).where(AdmissionRequest.status.in_(("admitted", "refused")),
                                              applies_to(c)).exists(),
            c.id.in_(select(PushedWork.community_id).where(PushedWork.status == "upheld")),
            c.id.in_(select(EntrustedAgreement.community_id))))
    return rows.order_by(District.id, Street.id, c.id)


def department_select(department_id: int | None = None):
    """One row per department (one, or those with something to count)."""
    d = Department
    theirs = AdmissionRequest.department_id == d.id
    tasks = select(Community.id).select_from(Community).join(AdmissionRequest, applies_to(Community)).where(
        AdmissionRequest.status == "admitted", theirs)
    admitted = _count(tasks)
    with_money = _count(tasks.where(_with_money()))
    refused = _count(select(AdmissionRequest.id).where(AdmissionRequest.status == "refused", theirs))
    pushed = _count(select(PushedWork.id).where(PushedWork.status == "upheld", PushedWork.department_id == d.id))
    agreements_theirs = Contract.department_id == d.id
    agreements = _count(_signed_agreements().where(agreements_theirs))
    rows = (select(d.id.label("department_id"), d.name.label("department"), admitted.label("admitted_tasks"),
                   refused.label("refused_admissions"), pushed.label("pushed_upheld"),
                   agreements.label("agreements"), _entrusted(agreements_theirs).label("entrusted_fen"),
                   _paid(agreements_theirs).label("paid_fen"),
                   _share(with_money, admitted, pushed).label("share_with_money")))
    if department_id is not None:
        return rows.where(d.id == department_id)
    return rows.where(or_(d.id.in_(select(AdmissionRequest.department_id).where(
        AdmissionRequest.status.in_(("admitted", "refused")))),
        d.id.in_(select(PushedWork.department_id).where(PushedWork.status == "upheld")))).order_by(d.id)

"""What waits on desks in partnership: for civil affairs, admission requests to decide and reports of
work pushed on communities to look into, oldest first; at year end, for a department and for a
community's committee, the evaluations both ways they still owe."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market import clock
from market.core.desk import Item, Waiting, pile
from market.partnership import reviews
from market.partnership.actions import ADMISSION_ACTIONS, PUSHED_ACTIONS, is_civil_affairs
from market.partnership.models import REVIEW_DIRECTIONS, AdmissionRequest, PushedWork


@pile("civil_affairs", "admissions", _l("Admission requests to decide"))
def admissions_to_decide(user, today, limits):
    if not is_civil_affairs(user):
        return None
    return Waiting(
        select(AdmissionRequest).where(AdmissionRequest.status == "submitted")
        .options(joinedload(AdmissionRequest.department)).order_by(AdmissionRequest.submitted_at, AdmissionRequest.id),
        lambda r: Item(r.title, ("partnership.admission", {"admission_request_id": r.id}), _("Decide"),
                       note=f"{r.department.name} · {clock.china_date(r.submitted_at).isoformat()}"),
        more=("partnership.admission_list", {"status": "submitted"}), action=(ADMISSION_ACTIONS, "decide"))


@pile("civil_affairs", "pushed_work", _l("Work pushed on communities to look into"))
def pushed_to_decide(user, today, limits):
    if not is_civil_affairs(user):
        return None
    return Waiting(
        select(PushedWork).where(PushedWork.status == "reported")
        .options(joinedload(PushedWork.community), joinedload(PushedWork.department))
        .order_by(PushedWork.reported_at, PushedWork.id),
        lambda r: Item(r.title, ("partnership.pushed_work", {"pushed_work_id": r.id}), _("Look into it"),
                       note=f"{r.community.name} · {r.department.name}"),
        more=("partnership.pushed_list", {"status": "reported"}), action=(PUSHED_ACTIONS, "decide"))


def _reviews_owed(user, today, direction: str, department_ids=(), organization_ids=()):
    year = reviews.open_year(today)
    if year is None or not (department_ids or organization_ids):
        return None
    return Waiting(
        reviews.owed_select(year, direction, department_ids, organization_ids),
        lambda _department_id, _organization_id, agreement_id, department, body: Item(
            body if direction == "of_community" else department,
            ("partnership.give_review", {"direction": direction, "entrusted_agreement_id": agreement_id}),
            _("Evaluate"),
            due=reviews.window(year)[1], note=str(REVIEW_DIRECTIONS[direction])),
        more=("partnership.review_list", {}))


@pile("purchaser", "year_reviews", _l("Communities' entrusted work to evaluate at year end"))
def communities_to_review(user, today, limits):
    return _reviews_owed(user, today, "of_community", department_ids=user.department_ids())


@pile("organization", "year_reviews", _l("Departments to evaluate at year end"))
def departments_to_review(user, today, limits):
    return _reviews_owed(user, today, "of_department", organization_ids=user.organization_ids())

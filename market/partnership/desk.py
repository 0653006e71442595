"""What waits on civil affairs' desk in partnership: admission requests to decide, and reports of work
pushed on communities to look into, oldest first."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market import clock
from market.core.desk import Item, Waiting, pile
from market.partnership.actions import ADMISSION_ACTIONS, PUSHED_ACTIONS, is_civil_affairs
from market.partnership.models import AdmissionRequest, PushedWork


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

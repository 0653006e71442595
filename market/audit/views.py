"""The public audit log page, and the audit trail shown on tenders, contracts and organizations."""
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from market.audit import chain
from market.contracts.models import CONTRACT_MACHINE, MILESTONE_MACHINE
from market.core.pagination import paginate
from market.evaluation.models import GRADING_MACHINE
from market.philanthropy.models import PROPOSAL_MACHINE, ROUND_MACHINE
from market.procurement.models import TENDER_MACHINE

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTIONS = {
    "bid.received": _l("Bid received (sealed)"), "bid.replaced": _l("Bid replaced (sealed)"),
    "bid.withdrawn": _l("Bid withdrawn"), "bid.opened": _l("Bid opened"), "bid.ranked": _l("Bid ranked"),
    "score.given": _l("Score given"), "award.made": _l("Award made"), "challenge.filed": _l("Challenge filed"),
    "challenge.answered": _l("Challenge answered"), "contract.signature": _l("Contract signed by one side"),
    "milestone.decision": _l("Milestone decided"), "payment.pending": _l("Payment requested"),
    "payment.settled": _l("Payment settled"), "payment.failed": _l("Payment failed"),
    "ledger.posted": _l("Ledger posting"), "grade.recorded": _l("Grade recorded"),
}
SUBJECTS = {"tender": _l("Tender"), "contract": _l("Contract"), "milestone": _l("Milestone"),
            "grade_application": _l("Grade application"), "round": _l("Round"), "proposal": _l("Proposal"),
            "organization": _l("Organization"), "ledger": _l("Ledger")}


def action_label(action: str) -> str:
    """A readable name: status changes use their machine's label for the new status."""
    if action in ACTIONS:
        return str(ACTIONS[action])

    machines = {m.subject_type: m for m in (TENDER_MACHINE, CONTRACT_MACHINE, MILESTONE_MACHINE, GRADING_MACHINE,
                                            ROUND_MACHINE, PROPOSAL_MACHINE)}
    kind, _sep, status = action.partition(".")
    machine = machines.get(kind)
    return f"{SUBJECTS.get(kind, kind)}: {machine.label(status)}" if machine else action


@bp.app_template_global()
def audit_trail(subject_type: str, subject_id: int):
    """The public events of one public object (one query)."""
    return chain.public_events_of(subject_type, subject_id)


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    return action_label(action)


@bp.route("")
def log():
    return render_template("audit/log.html", page=paginate(chain.public_events_select()), head=chain.head(),
                           subjects=SUBJECTS)

"""What waits on the desk of a venture-philanthropy round's reviewers: proposals to review."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select

from market.accounts.roles import Role
from market.core.desk import Item, Waiting, pile
from market.philanthropy.models import Proposal, ProposalReview, Round, RoundReviewer


@pile("expert", "proposals", _l("Venture-philanthropy proposals to review"))
def proposals_to_review(user, today, limits):
    if not user.has_role(Role.EXPERT):
        return None
    submitted = exists().where(ProposalReview.proposal_id == Proposal.id, ProposalReview.reviewer_id == user.id,
                               ProposalReview.submitted_at.is_not(None))
    return Waiting(
        select(Proposal, Round).join(Round, Round.id == Proposal.round_id)
        .join(RoundReviewer, and_(RoundReviewer.round_id == Round.id, RoundReviewer.user_id == user.id))
        .where(Round.status == "review", Proposal.status == "eligible", ~submitted)
        .order_by(Round.id, Proposal.id),
        lambda proposal, round_: Item(proposal.title, ("philanthropy.proposal", {"proposal_id": proposal.id}),
                                      _("Declare and review"), note=round_.title))

"""Questions on a tender: a member of an organization asks before the questions deadline, and the
purchaser answers in public (as it answers a challenge)."""

from flask_babel import gettext as _

from market import clock
from market.accounts.models import User
from market.core import text, unit
from market.core.errors import PermissionDenied, ServiceError, existing
from market.extensions import db
from market.procurement.actions import TENDER_ACTIONS
from market.procurement.models import Tender, TenderQuestion
from market.procurement.purchasers import require_purchaser_of
from market.procurement.tenders import advance, tell_organization, tell_purchasers


def ask(actor: User, tender: Tender, organization_id: int, question: str) -> TenderQuestion:
    advance(tender)
    if organization_id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    TENDER_ACTIONS.require(actor, tender, "ask")
    question = text.required(question, 2000, _("Write the question."), field="question")
    record = TenderQuestion(tender_id=tender.id, organization_id=organization_id, asked_by_id=actor.id,
                            question=question, asked_at=clock.now())
    db.session.add(record)
    tell_purchasers(tender, "question_asked", actor)
    unit.flush()
    return record


def record_answer(actor: User, record, answer_text: str, already: str, kind: str) -> None:
    """The purchaser's public answer to a question or a challenge (both have tender_id and answer
    fields); the asking organization is told (`kind`)."""
    tender = db.session.get(Tender, record.tender_id)
    require_purchaser_of(actor, tender.department_id)
    answer_text = text.required(answer_text, 10000, _("Write the answer."), field="answer")
    if record.answered_at:
        raise ServiceError(already)
    record.answer, record.answered_at, record.answered_by_id = answer_text, clock.now(), actor.id
    tell_organization(record.organization_id, tender, kind)
    unit.flush()


def answer(actor: User, question_id: int, answer_text: str) -> None:
    question = existing(TenderQuestion, question_id, _("This question does not exist."))
    record_answer(actor, question, answer_text, _("This question is answered already."), "question_answered")

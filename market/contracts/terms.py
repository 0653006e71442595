"""A contract's terms: the price, the term and the milestones with their shares of the price, the
default terms of a new draft and the checks on any terms, and the terms as signed with their digest
(what each signature is on)."""
import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from market.contracts import signals
from market.contracts.models import Contract, Milestone
from market.core import text
from market.core.errors import ServiceError
from market.core.money import format_fen
from market.rules import services as rules

DEFAULT_SHARES_BP = (3000, 4000, 3000)  # 30/40/30 for services (DOMAIN.md: an assumed default)
OPEN_MILESTONES = ("pending", "returned")


# --- terms --------------------------------------------------------------------------------------

@dataclass
class MilestoneTerms:
    title: str
    deliverables: str
    due_on: date
    share_bp: int


@dataclass
class Terms:
    price_fen: int
    starts_on: date
    ends_on: date
    service_standards: str
    milestones: list[MilestoneTerms] = field(default_factory=list)
    score_withhold_below: int | None = None  # both empty: the last tranche is not tied to a score
    score_full_from: int | None = None


def percent_to_bp(value: str) -> int:
    """'33.33' → 3333 basis points; refuses more than two decimals."""
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ServiceError(_("Shares are percentages such as 30 or 33.33.")) from None
    bp = number * 100
    if not number.is_finite() or bp != bp.to_integral_value():
        raise ServiceError(_("Shares are percentages such as 30 or 33.33."))
    return int(bp)


def bp_to_percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}.{rest:02d}" if rest else str(whole)


def split(price_fen: int, shares_bp: list[int]) -> list[int]:
    """Each tranche's amount: its share of the price in whole fen; the rounding goes to the last."""
    amounts = [price_fen * bp // 10000 for bp in shares_bp]
    if amounts:
        amounts[-1] += price_fen - sum(amounts)
    return amounts


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_terms(price_fen: int, starts_on: date, months: int, standards: str) -> Terms:
    ends_on = add_months(starts_on, months) - timedelta(days=1)
    length = (ends_on - starts_on).days
    titles = [_("Start-up and first services"), _("Mid-term services"), _("Final services and closing report")]
    dues = [starts_on + timedelta(days=length // 3), starts_on + timedelta(days=2 * length // 3), ends_on]
    return Terms(price_fen, starts_on, ends_on, standards,
                 [MilestoneTerms(t, _("Delivery report with activities, beneficiaries and spending."), d, s)
                  for t, d, s in zip(titles, dues, DEFAULT_SHARES_BP)])


def price_refusal(ceiling_fen: int) -> ServiceError:
    """A price outside (0, ceiling]: the ceiling is the amount awarded (a tender) or granted (a grant), or
    the money the admitted work offers for the agreement's years (entrusted work), so the words fit all three."""
    return ServiceError(_("The price must be above zero and at most %(amount)s, this contract's ceiling: the amount "
                          "awarded or granted, or the money offered for entrusted work.",
                          amount=format_fen(ceiling_fen)), field="price", code="price_above_award")


def validate(terms: Terms, ceiling_fen: int) -> Terms:
    if not 0 < terms.price_fen <= ceiling_fen:
        raise price_refusal(ceiling_fen)
    if terms.ends_on < terms.starts_on:
        raise ServiceError(_("The contract must end after it starts."), field="ends_on")
    max_years = rules.in_force()["max_contract_years"]
    if terms.ends_on > add_months(terms.starts_on, 12 * max_years):
        raise ServiceError(_("A contract runs at most %(years)s years.", years=max_years), field="ends_on")
    terms.service_standards = text.required(terms.service_standards, 10000, _("State the service standards."),
                                            "service_standards")
    if not terms.milestones:
        raise ServiceError(_("A contract needs at least one milestone."))
    if any(m.share_bp <= 0 for m in terms.milestones):
        raise ServiceError(_("Every milestone releases a share above zero."))
    if sum(m.share_bp for m in terms.milestones) != 10000:
        raise ServiceError(_("The milestones' shares add up to %(total)s%%; they must add up to exactly 100%%.",
                             total=bp_to_percent(sum(m.share_bp for m in terms.milestones))), code="shares_not_100")
    if (terms.score_withhold_below is None) != (terms.score_full_from is None):
        raise ServiceError(_("Give both scores to tie the last tranche to the final evaluation, or neither."),
                           field="score_full_from")
    if terms.score_full_from is not None and not 0 <= terms.score_withhold_below <= terms.score_full_from <= 100 \
            or terms.score_full_from == 0:
        raise ServiceError(_("The scores are out of 100, and full payment starts at or above the score below "
                             "which the tranche is withheld."), field="score_full_from")
    previous = terms.starts_on
    for m in terms.milestones:
        m.title = text.required(m.title, 120, _("Give every milestone a title."))
        m.deliverables = text.required(m.deliverables, 4000, _("Say what every milestone delivers."))
        if not previous <= m.due_on <= terms.ends_on:
            raise ServiceError(_("Milestones fall due in order, within the contract's term."))
        previous = m.due_on
    return terms


def refuse_terms_problem(contract: Contract, starts_on: date, ends_on: date) -> None:
    """Refuse a term the area the contract came from does not allow (an entrusting agreement's year)."""
    for _receiver, problem in signals.terms_problem.send(contract, starts_on=starts_on, ends_on=ends_on):
        if problem is not None:
            raise problem


def terms_of(contract: Contract) -> dict:
    """The terms as signed: the digest of this dictionary is what each signature is on."""
    terms = {
        "number": contract.number, "version": contract.terms_version, "title": contract.title,
        "department_id": contract.department_id, "organization_id": contract.organization_id,
        "price_fen": contract.price_fen, "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(), "payment_days": contract.payment_days,
        "service_standards": contract.service_standards,
        "milestones": [{"title": m.title, "deliverables": m.deliverables, "due_on": m.due_on.isoformat(),
                        "share_bp": m.share_bp, "amount_fen": m.amount_fen} for m in contract.milestones],
    }
    if contract.score_tied:  # only then, so that terms signed before this rule existed keep their digest
        terms["score_tie"] = [contract.score_withhold_below, contract.score_full_from]
    return terms


def terms_digest(contract: Contract) -> str:
    return hashlib.sha256(json.dumps(terms_of(contract), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def apply_terms(contract: Contract, terms: Terms) -> None:
    contract.price_fen, contract.starts_on, contract.ends_on = terms.price_fen, terms.starts_on, terms.ends_on
    contract.service_standards = terms.service_standards
    contract.score_withhold_below, contract.score_full_from = terms.score_withhold_below, terms.score_full_from
    amounts = split(terms.price_fen, [m.share_bp for m in terms.milestones])
    contract.milestones = [
        Milestone(position=i, title=m.title, deliverables=m.deliverables, due_on=m.due_on, share_bp=m.share_bp,
                  amount_fen=amount, status="pending") for i, (m, amount) in enumerate(zip(terms.milestones, amounts))]

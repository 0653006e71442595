"""What partnership answers the areas below it: where an entrusting agreement came from (its contract's
page), the year an agreement's terms keep to, and the burden figures and year-end evaluations on a
department's scorecard."""
from flask import render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from market import clock
from market.contracts import signals as contract_signals
from market.contracts.terms import add_months
from market.core.errors import ServiceError
from market.evaluation import signals as evaluation_signals
from market.extensions import db
from market.partnership import agreements, burden, reviews
from market.partnership.models import REVIEW_DIRECTIONS, REVIEW_ITEMS


@contract_signals.contract_origin.connect
def _agreement_origin(contract):
    found = agreements.agreement_of_contract(contract.id)
    if found is None:
        return None
    return (_("Entrusting agreement of admitted work: %(title)s", title=found.admission.title),
            url_for("partnership.admission", admission_request_id=found.admission_id))


@contract_signals.terms_problem.connect
def _agreement_term(contract, starts_on, ends_on):
    """An entrusting agreement keeps to its year (and, while a draft, starts today or later) whatever its
    terms become: the admitted money is per community and year."""
    if agreements.agreement_of_contract(contract.id) is None:
        return None
    if contract.status == "draft" and starts_on < clock.today():
        return ServiceError(_("The agreement starts today or later."), field="starts_on", code="starts_in_the_past")
    if ends_on >= add_months(starts_on, agreements.MAX_MONTHS):
        return ServiceError(_("An agreement runs from 1 to %(n)s months.", n=agreements.MAX_MONTHS), field="ends_on",
                            code="agreement_too_long")
    return None


@evaluation_signals.department_scorecard.connect
def _department_partnership(department):
    figures = db.session.execute(burden.department_select(department.id)).one_or_none()
    averages = reviews.averages(department.id)
    if not (figures and (figures.admitted_tasks or figures.refused_admissions or figures.pushed_upheld)) \
            and not any(count for _scores, count in averages.values()):
        return None
    return Markup(render_template("partnership/_department_card.html", figures=figures, averages=averages,
                                  items=REVIEW_ITEMS, directions=REVIEW_DIRECTIONS, department=department))

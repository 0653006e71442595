"""How contracts react to the areas below them (imported, and so connected, once by market/__init__.py)."""
from flask_babel import gettext as _

from market import clock
from market.contracts import delivery, signing
from market.procurement.signals import award_made, bidder_notes


@award_made.connect
def _draft_contract(award, actor, **_):
    signing.draft_from_award(actor, award)


@bidder_notes.connect
def _often_late(_sender, organization_ids, **_kwargs):
    lateness = delivery.report_lateness(organization_ids, clock.today())
    return {o: [_("Often late with reports: %(n)s late in the last 12 months", n=late.late_this_year)]
            for o, late in lateness.items() if late.often_late}

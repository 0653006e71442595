"""How contracts react to the areas below them (imported, and so connected, once by market/__init__.py)."""
from market.contracts import signing
from market.procurement.signals import award_made


@award_made.connect
def _draft_contract(award, actor, **_):
    signing.draft_from_award(actor, award)

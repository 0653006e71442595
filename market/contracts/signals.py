"""What contracts ask of, and tell, the areas built on them."""
from blinker import Namespace

_signals = Namespace()

may_inspect = _signals.signal("contract-may-inspect", doc="""
May this person record a site visit or spot check on this contract? Sender: the `Contract`;
keyword `user`. A receiver answers True to allow (the independent evaluator commissioned for it);
nobody may when no receiver does.""")

contract_origin = _signals.signal("contract-origin", doc="""
Where a contract that came from neither a tender nor a round came from, for its page. Sender: the
`Contract`. A receiver answers (label, url) when the contract is its own, else None.""")

terms_problem = _signals.signal("contract-terms-problem", doc="""
Do new terms break a rule of the area the contract came from? Sender: the `Contract`; keywords
`starts_on` and `ends_on`, the term asked for (a draft's new terms, or an amendment's). A receiver
answers a `ServiceError` saying why, or None.""")

"""What contracts ask of, and tell, the areas built on them."""
from blinker import Namespace

_signals = Namespace()

may_inspect = _signals.signal("contract-may-inspect", doc="""
May this person record a site visit or spot check on this contract? Sender: the `Contract`;
keyword `user`. A receiver answers True to allow (the independent evaluator commissioned for it);
nobody may when no receiver does.""")

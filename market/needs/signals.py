"""What the needs area asks of the areas built on it. Receivers run in the sender's transaction."""
from blinker import Namespace

_signals = Namespace()

journey_ratings = _signals.signal("journey-ratings", doc="""
How the residents rated the services that answered a need (its journey's last stage). Sender: None;
keyword `contract_ids`. A receiver returns (count, average stars, the first rating's time) over those
contracts, or None (evaluation answers, counting only ratings not hidden).""")

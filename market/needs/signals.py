"""What the needs area asks of the areas built on it. Receivers run in the sender's transaction."""
from blinker import Namespace

_signals = Namespace()

journey_ratings = _signals.signal("journey-ratings", doc="""
How the residents rated the services that answered a need (its journey's last stage). Sender: None;
keyword `contract_ids`. A receiver returns (count, average stars, the first rating's time) over those
contracts, or None (evaluation answers, counting only ratings not hidden).""")

timeline_recorded = _signals.signal("timeline-recorded", doc="""
A step was added to the public timeline of a need or a community request. Sender: the TimelineEvent;
keywords `needs` (the needs it concerns: the need, or the request's needs). Receivers keep what they
derive from the timeline (outcomes keeps each need's outcome).""")

"""What evaluation asks of the areas built on it."""
from blinker import Namespace

_signals = Namespace()

department_scorecard = _signals.signal("department-scorecard", doc="""
More for a department's public scorecard. Sender: the `Department`. A receiver answers the markup of a
section to show below the organizations' ratings, or None.""")

"""What accounts ask of the areas built on them."""
from blinker import Namespace

_signals = Namespace()

role_scope = _signals.signal("role-scope", doc="""
The records a role may be bound to, for a scope that a higher area keeps (an organization's roles).
Sender: the scope's name ("organization"). The receiver for it returns a `market.accounts.roles.Scope`.""")

residence_decided = _signals.signal("residence-decided", doc="""
A community worker verified or refused a person's residence. Sender: the `Residence`. Notifications
tell the person.""")

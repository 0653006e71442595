"""One answer to "what may this person do with this record now".

Each area declares the actions on its records once, in its `actions.py`: an `ActionSet` whose rules
take (user, record) and answer None when the person may, or the refusal: the `ServiceError` the
service raises, with its words and code. Services check through `require`, views hand the
`Verdicts` to the template, which shows a button with the action and, where the person holds the
role but the record's state refuses, the reason in its place (`shown_refusal`). Templates do not
compare statuses."""
from collections.abc import Callable

from market.core.errors import InvalidTransition, PermissionDenied, ServiceError

Rule = Callable[..., ServiceError | None]


def while_in(statuses, message: str, code: str = "wrong_status"):
    """A rule on a record's status: no refusal while it is in one of `statuses`, else `message`.
    The refusal is an `InvalidTransition`, so a service that refuses it can say who moved the record
    on (`ActionSet.require`)."""
    return lambda record: None if record.status in statuses else InvalidTransition(message, code=code)


class Verdicts:
    """What one person may do with one record now."""

    def __init__(self, refusals: dict[str, ServiceError | None]):
        self._refusals = refusals

    def can(self, name: str) -> bool:
        return self._refusals[name] is None

    def why(self, name: str) -> str:
        refusal = self._refusals[name]
        return refusal.message if refusal is not None else ""

    def shown_refusal(self, name: str, *codes: str) -> str:
        """The reason to show where the button would be: only to someone who holds the role (a
        stranger is not told why they may not publish a department's tender), and, when `codes` are
        given, only for those refusals (a grade not yet on notice needs no "issued after" line)."""
        refusal = self._refusals[name]
        if refusal is None or isinstance(refusal, PermissionDenied) or (codes and refusal.code not in codes):
            return ""
        return refusal.message

    def require(self, name: str) -> None:
        refusal = self._refusals[name]
        if refusal is not None:
            raise refusal

    def allowed(self) -> list[str]:
        return [name for name, refusal in self._refusals.items() if refusal is None]


class ActionSet:
    """The actions on one kind of record, each with its rule."""

    def __init__(self, subject: str, machine=None):
        self.subject = subject
        self.machine = machine  # the record's StateMachine: its history says who moved it last
        self._rules: dict[str, Rule] = {}

    def action(self, name: str):
        def register(rule: Rule) -> Rule:
            self._rules[name] = rule
            return rule
        return register

    @property
    def names(self) -> list[str]:
        return list(self._rules)

    def of(self, user, record) -> Verdicts:
        return Verdicts({name: rule(user, record) for name, rule in self._rules.items()})

    def require(self, user, record, name: str) -> None:
        """Refuse, with the rule's own error, unless the person may do `name` now. When the record's
        status refuses and someone else moved it there (two people on one task: 已由…受理), the
        refusal says who and when, so the person sees what happened instead of a bare "not possible"."""
        refusal = self._rules[name](user, record)
        if refusal is None:
            return
        if isinstance(refusal, InvalidTransition) and self.machine is not None:
            taken = self.machine.taken_by_other(record, user)
            if taken:
                raise InvalidTransition(f"{refusal.message} {taken}", field=refusal.field, code=refusal.code)
        raise refusal

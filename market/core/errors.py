"""Errors raised by services. Views turn them into flash messages or error pages."""
from market.extensions import db


class ServiceError(Exception):
    """A rule said no. The message is already translated for the person who asked; `field` names the input
    that was refused, if one was. `code` is a stable name of the rule that refused (snake_case, English):
    tests and API clients compare codes, never the words, which change with the wording and the locale."""

    default_code = "refused"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or type(self).default_code


class PermissionDenied(ServiceError):
    default_code = "not_allowed"


class NotFound(ServiceError):
    default_code = "not_found"


class InvalidTransition(ServiceError):
    default_code = "wrong_status"


class Problem(str):
    """One condition not met, as the sentence a person reads (it is a str); `code` names the condition."""

    code: str

    def __new__(cls, sentence: str, code: str):
        problem = super().__new__(cls, sentence)
        problem.code = code
        return problem

    def __getnewargs__(self):
        return str(self), self.code


class Ineligible(ServiceError):
    """Refused for every condition not met, at once: the message joins their sentences, `reasons` holds their
    codes. `code` is "not_eligible" unless the caller names what the conditions are for."""

    default_code = "not_eligible"

    def __init__(self, problems: list[Problem], field: str | None = None, code: str | None = None):
        super().__init__(" ".join(problems), field=field, code=code)
        self.reasons = tuple(getattr(problem, "code", ServiceError.default_code) for problem in problems)


class Invalid(ServiceError):
    """Several inputs refused at once, each at its field (`errors`): a form's data is checked whole,
    so the person corrects everything in one go. `field` and `code` are the first refusal's."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(" ".join(e.message for e in errors), field=errors[0].field, code=errors[0].code)
        self.errors = errors


class Checks:
    """Collect every refusal of one form's data, then `done()` raises them together: one refusal as
    itself, several as `Invalid`. Used as a block: `with Checks() as checks: checks.check(...)`."""

    def __init__(self):
        self.errors: list[ServiceError] = []

    def check(self, ok: bool, message: str, field: str | None = None, code: str | None = None) -> bool:
        if not ok:
            self.errors.append(ServiceError(message, field=field, code=code))
        return ok

    def keep(self, call, *args, **kwargs):
        """The result of `call`, or None with its refusal noted (text.required, a parser…)."""
        try:
            return call(*args, **kwargs)
        except ServiceError as error:
            self.errors.append(error)
            return None

    def done(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise Invalid(self.errors)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.done()
        return False


def existing(model, record_id, message: str):
    """The record with this id, or NotFound with a message the person can read."""
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(message)
    return record

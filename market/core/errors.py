"""Errors raised by services. Views turn them into flash messages or error pages."""


class ServiceError(Exception):
    """A rule said no. The message is already translated for the person who asked."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class InvalidTransition(ServiceError):
    pass


def existing(model, record_id, message: str):
    """The record with this id, or NotFound with a message the person can read."""
    from market.extensions import db  # the errors module stays importable without the app

    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(message)
    return record


def commit_unique(message: str, field: str | None = None) -> None:
    """Commit; if a unique key refuses the row (the same thing done twice, perhaps at the same
    moment), roll back and refuse with a message instead of an error page."""
    from sqlalchemy.exc import IntegrityError

    from market.extensions import db

    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(message, field=field) from None


def done_once(action, recorded):
    """Run `action` (a step that posts money under a one-time key, and commits). If a unique key
    refuses its rows because the same step was done at the same moment by another request (a double
    click, two tabs, a provider's retries), roll back and return what that request recorded,
    `recorded()`: both requests answer with the one result. A refusal with nothing recorded is not
    such a race and is raised again."""
    from sqlalchemy.exc import IntegrityError

    from market.extensions import db

    try:
        return action()
    except IntegrityError:
        db.session.rollback()
        found = recorded()
        if found is None:
            raise
        return found

"""Errors raised by services. Views turn them into flash messages or error pages."""
from market.extensions import db


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
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(message)
    return record

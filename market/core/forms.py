"""Helpers shared by every area's forms."""
from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from market.core.errors import ServiceError


def options(pairs):
    """Select choices from (value, label) pairs, or from {group: pairs} for option groups."""
    if isinstance(pairs, dict):
        return {group: options(items) for group, items in pairs.items()}
    return [SelectChoice(value, label) for value, label in pairs]


def show_service_error(form, error: ServiceError) -> None:
    """Put a rule's refusal next to the field it concerns, or at the top of the page."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


class ConfirmForm(FlaskForm):
    """An action button with CSRF and nothing else to fill in."""

    submit = SubmitField(_l("Confirm"))


class DecisionForm(FlaskForm):
    """Approve or refuse; a refusal needs a reason the other side will read."""

    reason = TextAreaField(_l("Reason (required to refuse)"), validators=[Length(max=1000)])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search"), validators=[Length(max=100)])

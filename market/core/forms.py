"""Helpers shared by every area's forms."""
from flask import flash, redirect
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField as WTFormsIntegerField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation

from market.core.errors import ServiceError
from market.core.money import MAX_FEN, MoneyError, format_fen, yuan_to_fen
from market.core.params import MAX_INT


def options(pairs):
    """Select choices from (value, label) pairs, or from {group: pairs} for option groups."""
    if isinstance(pairs, dict):
        return {group: options(items) for group, items in pairs.items()}
    return [SelectChoice(value, label) for value, label in pairs]


def fen_from(value, field: str | None = None) -> int:
    """An amount typed in yuan, as fen; a typing error is refused next to its field."""
    from flask_babel import gettext as _

    try:
        return yuan_to_fen(value or "")
    except MoneyError as error:
        if str(error) == "too large":
            raise ServiceError(_("Amounts above %(most)s are not accepted.", most=format_fen(MAX_FEN)), field=field)
        raise ServiceError(_("Enter the amount in yuan, for example 60000 or 60000.50."), field=field)


def show_service_error(form, error: ServiceError) -> None:
    """Put a rule's refusal next to the field it concerns, or at the top of the page."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def run_form(form, action, success: str, redirect_to, submitted: bool = True):
    """The one way a view handles a form on a page.

    On a valid submission run `action` (a service call). A refusal is shown on the form and
    None is returned, so the view renders the page again with what was typed; success flashes
    `success` and returns a redirect to `redirect_to` (a URL, or a function of the result).
    """
    if not (submitted and form.validate_on_submit()):
        return None
    try:
        result = action()
    except ServiceError as error:
        show_service_error(form, error)
        return None
    flash(success, "success")
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def run_action(form, action, success: str, redirect_to: str):
    """A POST-only button (approve, remove…): run the service, flash the outcome, go back."""
    if form.validate_on_submit():
        try:
            action()
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(success, "success")
    return redirect(redirect_to)


class IntegerField(WTFormsIntegerField):
    """A whole number the database can hold: anything wider is refused at its field, with what was
    typed kept (every form's integers are this field)."""

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and abs(self.data) > MAX_INT:
            from flask_babel import gettext as _

            self.data = None
            raise StopValidation(_("Enter a number no larger than %(most)s.", most=f"{MAX_INT:,}"))


class ConfirmForm(FlaskForm):
    """An action button with CSRF and nothing else to fill in."""

    submit = SubmitField(_l("Confirm"))


class DecisionForm(FlaskForm):
    """Approve or refuse; a refusal needs a reason the other side will read."""

    reason = TextAreaField(_l("Reason (required to refuse)"), validators=[Length(max=1000)])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))


class ReasonForm(FlaskForm):
    """For hiding, flagging, declining, cancelling: one reason that the other side will read."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Confirm"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search"), validators=[Length(max=100)])

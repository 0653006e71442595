"""Helpers shared by every area's forms."""
from urllib.parse import urlsplit

from flask import flash, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms import IntegerField as WTFormsIntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, StopValidation

from market.core import once as one_time
from market.core.errors import Invalid, PermissionDenied, ServiceError
from market.core.money import MAX_FEN, MoneyError, format_fen, yuan_to_fen
from market.core.params import MAX_INT
from market.extensions import db


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
            raise ServiceError(
                _("Amounts above %(most)s are not accepted.", most=format_fen(MAX_FEN)), field=field
            ) from None
        raise ServiceError(_("Enter the amount in yuan, for example 60000 or 60000.50."), field=field) from None


def show_service_error(form, error: ServiceError) -> None:
    """Put a rule's refusal next to the field it concerns, or at the top of the page. A refusal
    ends the request's unit of work: nothing it changed on the way is kept."""
    db.session.rollback()
    for refusal in error.errors if isinstance(error, Invalid) else [error]:
        field = getattr(form, refusal.field, None) if refusal.field else None
        if field is not None:
            field.errors = list(field.errors) + [refusal.message]
        else:
            flash(refusal.message, "error")


def flash_refusal(error: ServiceError) -> None:
    """A refusal shown at the top of the next page; like every refusal it keeps nothing."""
    db.session.rollback()
    flash(error.message, "error")


class Form(FlaskForm):
    """Every form that changes something: CSRF, and a one-time token (`once`) so that the same form
    sent twice (a double click, two tabs, a retry) does what it does once (see core/once.py).
    Rendered with `form.hidden_tag()`. Signing in and choosing a language are plain FlaskForms."""

    once = HiddenField(default=one_time.new_token, validators=[Regexp(
        rf"^{one_time.TOKEN.pattern}\Z", message=_l("This form is out of date: reload the page and send it again."))])


def _user_id():
    return current_user.id if current_user.is_authenticated else None


def _page_sent_from() -> str:
    """The page that showed the form (a same-site Referer), else the home page: where a repeat goes
    while the first sending, whose destination depends on its result, has not yet noted it."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path.startswith("/") and not parts.path.startswith("//"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def _repeat(earlier, fallback: str):
    """The answer to a form sent again: what the first sending was told, and where it went."""
    from flask_babel import gettext as _

    flash(
        earlier.message or _("This form was already sent; it was done once."), "success" if earlier.message else "info"
    )
    return redirect(earlier.location or fallback)


def _sent_already(form, fallback: str):
    """Before validating: a form whose token has a receipt is a repeat (its choices may have changed
    since, because of what the first sending did)."""
    token = one_time.sent_token(form) if request.method == "POST" else None
    earlier = one_time.receipt(token, _user_id()) if token else None
    return _repeat(earlier, fallback) if earlier else None


def _sent_before(form, location: str | None, fallback: str, success: str):
    """After validating: claim the token, or answer as the request that claimed it first."""
    token = one_time.sent_token(form)
    if token is None:
        return None
    earlier = one_time.claim(token, _user_id(), location, str(success))
    return _repeat(earlier, fallback) if earlier else None


def _went(form, location: str) -> str:
    """Note where a form whose destination depended on its result went, for a repeat to follow."""
    token = one_time.sent_token(form)
    if token is not None:
        one_time.note_location(token, location)
    return location


def _show_hidden_errors(form, names=("once",)) -> None:
    """A field nobody sees (the one-time token), or a tick box sent from a button's form (the page
    that showed it is not drawn again), has no place for its error: at the top. A form drawn again
    shows its own tick box's error at the field and in its summary, so only a button names it."""
    for name in names:
        field = getattr(form, name, None)
        for message in field.errors if field is not None else []:
            flash(message, "error")


def run_form(form, action, success: str, redirect_to, submitted: bool = True):
    """The one way a view handles a form on a page.

    On a valid submission run `action` (a service call). A refusal is shown on the form and
    None is returned, so the view renders the page again with what was typed; success flashes
    `success` and returns a redirect to `redirect_to` (a URL, or a function of the result). The
    same form sent again answers with where it went the first time.
    """
    if not submitted:
        return None
    known = None if callable(redirect_to) else redirect_to
    repeat = _sent_already(form, known or _page_sent_from())
    if repeat is not None:
        return repeat
    if not form.validate_on_submit():
        _show_hidden_errors(form)
        return None
    repeat = _sent_before(form, known, known or _page_sent_from(), success)
    if repeat is not None:
        return repeat
    try:
        result = action()
    except ServiceError as error:
        show_service_error(form, error)  # nothing is kept, not even the form's receipt: it may be sent again
        return None
    flash(success, "success")
    return redirect(_went(form, redirect_to(result)) if callable(redirect_to) else redirect_to)


def run_action(form, action, success: str, redirect_to: str):
    """A POST-only button (approve, remove…): run the service, flash the outcome, go back."""
    repeat = _sent_already(form, redirect_to)
    if repeat is not None:
        return repeat
    if not form.validate_on_submit():
        _show_hidden_errors(form, ("once", "confirmed"))
    else:
        repeat = _sent_before(form, redirect_to, redirect_to, success)
        if repeat is not None:
            return repeat
        try:
            action()
        except ServiceError as error:
            flash_refusal(error)
        else:
            flash(success, "success")
    return redirect(redirect_to)


def run_import(form, do_import):
    """A spreadsheet sent on its page: `do_import(filename, data)` answers a `sheets.Imported`, whose
    errors (nothing was saved) the page lists; a refusal of the file itself is shown at its field.
    None when nothing was sent or the file was refused."""
    from flask_babel import gettext as _

    if not form.validate_on_submit():
        return None
    upload = form.file.data
    try:
        result = do_import(upload.filename or "", upload.read())
    except ServiceError as error:
        show_service_error(form, error)
        return None
    if result.errors:
        flash(_("Nothing was imported: correct the rows below and upload the file again."), "error")
    else:
        flash(_("%(n)s items imported.", n=len(result.items)), "success")
    return result


def task_refused(actions, user, record, name: str, back: str):
    """A task's own page, asked for when the task is not open: whoever may not do it is refused (the
    403 page), and whoever may but comes too late (someone moved the record on) is told what
    happened and sent `back`. None when the page may show."""
    try:
        actions.require(user, record, name)
    except PermissionDenied:
        raise
    except ServiceError as refusal:
        flash(refusal.message, "info")
        return redirect(back)
    return None


class IntegerField(WTFormsIntegerField):
    """A whole number the database can hold: anything wider is refused at its field, with what was
    typed kept (every form's integers are this field)."""

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and abs(self.data) > MAX_INT:
            from flask_babel import gettext as _

            self.data = None
            raise StopValidation(_("Enter a number no larger than %(most)s.", most=f"{MAX_INT:,}"))


class ConfirmForm(Form):
    """An action button with CSRF and nothing else to fill in."""

    submit = SubmitField(_l("Confirm"))


def confirmation(label) -> BooleanField:
    """A tick box the person must tick before an irreversible step (publish, award, pay, close):
    checked here, on the server, not only by the browser's `required`."""
    return BooleanField(label, validators=[DataRequired(message=_l("Tick the box to confirm."))])


class Confirmation:
    """Mixed into a step's form whose page draws the tick box itself (`button_form(..., confirm=…)`)."""

    confirmed = confirmation(_l("I confirm"))


class ConfirmedForm(Confirmation, ConfirmForm):
    """An action button whose page asks the person to confirm (`button_form(..., confirm=…)`)."""


class DecisionForm(Form):
    """Approve or refuse; a refusal needs a reason the other side will read."""

    reason = TextAreaField(_l("Reason (required to refuse)"), validators=[Length(max=1000)])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))


class ReasonForm(Form):
    """For hiding, flagging, declining, cancelling: one reason that the other side will read."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Confirm"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search"), validators=[Length(max=100)])

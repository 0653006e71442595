from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from market.accounts.models import MAIL_FREQUENCIES
from market.accounts.roles import ROLE_LABELS, Role
from market.core.forms import Form, IntegerField, options

LANGUAGE_CHOICES = options([("zh", "中文"), ("en", "English")])


class RegisterForm(Form):
    display_name = StringField(_l("Name shown to others"), validators=[DataRequired(), Length(max=60)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    accept = BooleanField(_l("I accept that what I post in public is shown to everyone."),
                          validators=[DataRequired(message=_l("Please accept to continue."))])
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Set the new password"))


class ProfileForm(Form):
    display_name = StringField(_l("Name shown to others"), validators=[DataRequired(), Length(max=60)])
    phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Enter a phone number of digits."))],
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    mail_frequency = RadioField(_l("Notifications by e-mail"), choices=options(MAIL_FREQUENCIES.items()),
                                validators=[DataRequired(message=_l("Choose how notifications reach you by e-mail."))])
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ResidenceForm(Form):
    community_id = SelectField(
        _l("Community"), coerce=int, validators=[DataRequired(message=_l("Choose a community from the list."))]
    )
    address_note = StringField(_l("Building and unit (seen only by community workers)"), validators=[Length(max=120)])
    submit = SubmitField(_l("Ask for verification"))


class BuildingForm(Form):
    building_id = SelectField(_l("The building you live in"), coerce=int)
    submit = SubmitField(_l("Save"))


class ResidenceCodeForm(Form):
    code = StringField(_l("One-time code from your community"), validators=[DataRequired(), Length(min=6, max=20)])
    submit = SubmitField(_l("Verify with the code"))


class IssueCodesForm(FlaskForm):
    # Not a one-time Form: what it makes (a secret) is shown on its own answer only, so a repeat
    # answered with the first one's page would lose it; a second set is listed and can be revoked.
    community_id = SelectField(_l("Community"), coerce=int)
    count = IntegerField(_l("How many codes"), default=5,
                         validators=[DataRequired(), NumberRange(min=1, max=50, message=_l("Between 1 and 50."))])
    submit = SubmitField(_l("Issue codes"))


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = StringField()


class GrantRoleForm(Form):
    # grid and building leaders are appointed by their community's workers, on the community's grid page
    role = SelectField(_l("Role"), choices=options(
        (r.value, ROLE_LABELS[r]) for r in Role if r not in (Role.RESIDENT, Role.GRID_LEADER, Role.BUILDING_LEADER)))
    community_id = SelectField(_l("Community (for a community worker)"), coerce=int)
    department_id = SelectField(_l("Department (for a government purchaser)"), coerce=int)
    organization_id = SelectField(_l("Organization (for incubator staff or an evaluator)"), coerce=int)
    street_id = SelectField(_l("Street or town (for street office staff)"), coerce=int)
    district_id = SelectField(_l("District (for district staff)"), coerce=int)
    submit = SubmitField(_l("Grant role"))


class DisplayForm(FlaskForm):
    """Large text and high contrast (长者模式), or the standard display: a preference, not a record."""

    display = SelectField(_l("Display"),
                          choices=options([("large", _l("Large text")), ("standard", _l("Standard text"))]))
    next = StringField()

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from market.core.forms import Form, IntegerField, confirmation, options
from market.incubation.models import SERVICE_KINDS

LEVELS = options([(n, str(n)) for n in range(1, 6)])


class IncubatorForm(Form):
    operator_id = SelectField(_l("Operating organization"), coerce=int)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Create the incubator"))


class CohortForm(Form):
    name = StringField(_l("Cohort"), validators=[DataRequired(), Length(max=60)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(message=_l("Enter a date."))])
    capacity = IntegerField(_l("Places"), default=15, validators=[InputRequired(), NumberRange(min=1, max=100)])
    submit = SubmitField(_l("Add the cohort"))


class AdmitForm(Form):
    organization_id = SelectField(_l("Organization"), coerce=int)
    admitted_on = DateField(_l("Admitted on"), validators=[DataRequired(message=_l("Enter a date."))])
    months = IntegerField(_l("Months in the incubator"), default=12, validators=[InputRequired(),
                                                                                NumberRange(min=1, max=36)])
    mentor = StringField(_l("Mentor"), validators=[Length(max=100)])
    goals = TextAreaField(_l("Goals"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Admit (入孵)"))


class ServiceForm(Form):
    kind = SelectField(_l("What was given"), choices=options(SERVICE_KINDS.items()))
    quantity = IntegerField(_l("Hours or square-metre months"), validators=[Optional(), NumberRange(min=0)])
    amount = StringField(_l("Seed money (yuan)"), validators=[Length(max=20)])
    given_on = DateField(_l("Given on"), validators=[DataRequired(message=_l("Enter a date."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record"))


class AssessmentForm(Form):
    assessed_on = DateField(_l("Assessed on"), validators=[DataRequired(message=_l("Enter a date."))])
    governance = SelectField(_l("Governance"), choices=LEVELS, coerce=int)
    finance = SelectField(_l("Finance"), choices=LEVELS, coerce=int)
    staff = SelectField(_l("Staff"), choices=LEVELS, coerce=int)
    projects = SelectField(_l("Projects"), choices=LEVELS, coerce=int)
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Record the assessment"))


class GraduationForm(Form):
    exit_review = TextAreaField(_l("Exit review"), validators=[DataRequired(), Length(max=10000)])
    confirmed = confirmation(_l("The exit review is done; the organization leaves the incubator"))
    submit = SubmitField(_l("Graduate (出孵)"))

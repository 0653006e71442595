from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from market.core.forms import Form, IntegerField, options
from market.grid import categories

UNITS = [("hours", _l("hours")), ("working_days", _l("working days"))]
CAMERA = {"accept": "image/*", "capture": "environment"}  # a phone opens its camera


class ProblemForm(Form):
    """What a leader fills in on a visit: short, for a phone."""

    building_id = SelectField(_l("Building"), coerce=int)
    address = StringField(_l("Where exactly (shown publicly)"), validators=[Length(max=120)],
                          description=_l("For example: 3幢 east stairwell, or the gate of the bicycle shed"))
    category = SelectField(_l("What it is about"), choices=options(categories.choices()))
    urgency = RadioField(_l("How urgent"), choices=options(categories.URGENCIES.items()), default="normal")
    summary = StringField(_l("The problem, in a few words"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("More detail (optional)"), validators=[Length(max=2000)])
    channel = RadioField(_l("How it reached you"), default="visit",
                         choices=options((k, categories.CHANNELS[k]) for k in categories.RECORDED_CHANNELS))
    reporter_email = StringField(_l("The resident's e-mail on Market, if registered"),
                                 validators=[Optional(), Email(message=_l("Enter an e-mail address.")),
                                             Length(max=254)],
                                 description=_l("They are told and can follow it themselves."))
    reporter_name = StringField(_l("Or the resident's name (private)"), validators=[Length(max=40)])
    reporter_phone = StringField(_l("and phone (private)"), validators=[Length(max=20)],
                                 description=_l("Read only by those handling it; deleted some months after the close."))
    latitude = HiddenField()
    longitude = HiddenField()
    photos = MultipleFileField(_l("Photos (optional, up to 4)"), render_kw=CAMERA)
    submit = SubmitField(_l("Record the problem"))


class DispatchForm(Form):
    body = SelectField(_l("Send it to"))
    note = StringField(_l("A word for them (optional)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Dispatch"))


class ReturnForm(Form):
    reason = TextAreaField(_l("Why it is not yours to handle"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Send it back"))


class ProgressForm(Form):
    text = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Record progress"))


class CloseForm(Form):
    resolution = RadioField(_l("Is the problem solved?"), choices=options(categories.RESOLUTIONS.items()),
                            validators=[DataRequired(message=_l("Say whether the problem is solved."))])
    result = TextAreaField(_l("What was done (shown publicly)"), validators=[DataRequired(), Length(max=2000)])
    photos = MultipleFileField(_l("Photos of the result (optional, up to 4)"), render_kw=CAMERA)
    submit = SubmitField(_l("Close the problem"))


class RateForm(Form):
    rating = RadioField(_l("How satisfied is the resident?"), choices=options(categories.RATINGS.items()),
                        validators=[DataRequired(message=_l("Choose how satisfied the resident is."))])
    note = TextAreaField(_l("Anything to add (optional)"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Rate"))


class ReopenForm(Form):
    reason = TextAreaField(_l("What is still wrong"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Reopen the problem"))


class ToNeedForm(Form):
    """A problem that is a service need after all: what the need will say, and why."""

    title = StringField(_l("What is needed, in a few words"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Describe the need: who, where, how often"),
                                validators=[DataRequired(), Length(max=5000)])
    category_id = SelectField(_l("Service category"), coerce=int)
    reason = TextAreaField(_l("Why it is a need, not a problem to dispatch (shown publicly)"),
                           validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Turn it into a need"))


class ToProblemForm(Form):
    """A need that is a problem for the ledger after all (a broken lamp): where it is, and why."""

    summary = StringField(_l("The problem, in a few words"), validators=[DataRequired(), Length(max=80)])
    category = SelectField(_l("What it is about"), choices=options(categories.choices()))
    urgency = RadioField(_l("How urgent"), choices=options(categories.URGENCIES.items()), default="normal")
    building_id = SelectField(_l("Building"), coerce=int)
    address = StringField(_l("Where exactly (shown publicly)"), validators=[Length(max=120)])
    reason = TextAreaField(_l("Why it is a problem to dispatch, not a need (shown publicly)"),
                           validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Move it to the problem ledger"))


class GridForm(Form):
    name = StringField(_l("Name of the grid"), validators=[DataRequired(), Length(max=40)],
                       description=_l("For example 一片区"))
    submit = SubmitField(_l("Add the grid"))


class BuildingForm(Form):
    grid_id = SelectField(_l("Grid"), coerce=int)
    building_name = StringField(_l("Building"), validators=[DataRequired(), Length(max=40)],
                                description=_l("For example 3幢"))
    address = StringField(_l("Address (optional)"), validators=[Length(max=120)])
    submit = SubmitField(_l("Add the building"))


class GridsImportForm(Form):
    file = FileField(_l("Grids and buildings (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Import"))


class LeaderForm(Form):
    place = SelectField(_l("Grid or building"))
    email = StringField(_l("The leader's e-mail on Market"), validators=[
        DataRequired(), Email(message=_l("Enter an e-mail address.")), Length(max=254)])
    submit = SubmitField(_l("Appoint"))


class EndRuleForm(Form):
    until = DateField(_l("Stops applying on"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("End this version"))


class RuleForm(Form):
    district_id = SelectField(_l("District"), coerce=int)
    category = SelectField(_l("Category"), choices=options(categories.choices()))
    body = SelectField(_l("Who answers"))
    effective_from = DateField(_l("Applies from"), validators=[DataRequired(message=_l("Enter a date."))])
    effective_until = DateField(_l("Until the day before (optional)"), validators=[Optional()])
    respond_hours = IntegerField(_l("Hours to accept or send back"), default=24, validators=[
        DataRequired(), NumberRange(min=1, max=2160)])
    urgent_amount = IntegerField(_l("Urgent: time to finish"), default=24, validators=[
        DataRequired(), NumberRange(min=1, max=2160)])
    urgent_unit = SelectField(_l("in"), choices=options(UNITS))
    normal_amount = IntegerField(_l("Normal: time to finish"), default=5, validators=[
        DataRequired(), NumberRange(min=1, max=2160)])
    normal_unit = SelectField(_l("in"), default="working_days", choices=options(UNITS))
    submit = SubmitField(_l("Save this version"))

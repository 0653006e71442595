from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from market.core.forms import Form, IntegerField, options
from market.needs.models import HEARING_KINDS, TRACKS, URGENCIES, VOTE_CHOICES


class NeedForm(Form):
    title = StringField(_l("What is needed, in a few words"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Describe the need: who, where, how often"),
                                validators=[DataRequired(), Length(max=5000)])
    category_id = SelectField(_l("Service category"), coerce=int)
    urgency = SelectField(_l("How urgent"), choices=options(URGENCIES.items()), default="normal")
    people_affected = IntegerField(_l("How many people it concerns"), default=1,
                                   validators=[DataRequired(message=_l("Enter a whole number from 1 to 1,000,000.")),
                                               NumberRange(min=1, max=1_000_000,
                                                           message=_l("Enter a whole number from 1 to 1,000,000."))])
    photos = MultipleFileField(_l("Photos (optional, up to 4, PNG or JPEG)"))
    not_a_duplicate = BooleanField(_l("None of the similar needs above is mine: post it as a new need"))
    submit = SubmitField(_l("Post the need"))


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Comment"))


class ThresholdForm(Form):
    threshold = IntegerField(_l("Supports that put a need on the agenda"),
                             validators=[DataRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField(_l("Save"))


class RequestForm(Form):
    title = StringField(_l("Request title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What the community asks for"), validators=[DataRequired(), Length(max=5000)])
    category_id = SelectField(_l("Service category"), coerce=int)
    beneficiaries = IntegerField(_l("Beneficiaries"), validators=[
        DataRequired(message=_l("Enter a whole number of at least 1.")),
        NumberRange(min=1, max=10_000_000, message=_l("Enter a whole number of at least 1."))])
    estimated_budget = StringField(_l("Estimated budget (yuan)"), validators=[DataRequired(), Length(max=20)],
                                   description=_l("For example 60000 or 60000.50"))
    track = SelectField(_l("How it will be met"), choices=options(TRACKS.items()))
    submit = SubmitField(_l("Merge into a community request"))


class HearingForm(Form):
    kind = SelectField(_l("Kind of meeting"), choices=options(HEARING_KINDS.items()))
    scheduled_at = DateTimeLocalField(_l("Date and time (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                      validators=[DataRequired(message=_l("Enter a date and time."))])
    location = StringField(_l("Place"), validators=[DataRequired(), Length(max=120)])
    agenda = TextAreaField(_l("Agenda"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Schedule the meeting"))

    def validate_scheduled_at(self, field):
        # Long past dates (year 1…) cannot even be converted to UTC; the service checks the rest.
        if field.data is not None and field.data.year < 2000:
            raise ValidationError(_l("The meeting must be in the future."))


class CloseHearingForm(Form):
    attendance = IntegerField(
        _l("Residents present"), validators=[Optional(), NumberRange(min=0, max=100000)], default=0
    )
    minutes = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=20000)])
    # Closing cannot be undone: the form is refused unless the box is ticked.
    confirm = BooleanField(_l("Yes, close the vote now: no more votes can be cast"), validators=[
        DataRequired(message=_l("Tick the box to confirm: closing the meeting cannot be undone."))])
    submit = SubmitField(_l("Close and count the votes"))


class VoteForm(Form):
    choice = SelectField(_l("Your vote"), choices=options(VOTE_CHOICES.items()))
    submit = SubmitField(_l("Vote"))

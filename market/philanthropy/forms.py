from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from market.core.forms import Form, IntegerField, options
from market.philanthropy.models import FUNDER_KINDS, POTS

GRADE_LIMITS = options([("", _l("Any grade")), ("0", _l("Not graded only")), ("1", "1A"), ("2", "2A"),
                        ("3", "3A"), ("4", "4A")])


class RoundForm(Form):
    sponsor = SelectField(_l("Sponsor"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    themes = TextAreaField(_l("Themes"), validators=[DataRequired(), Length(max=2000)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    rubric_id = SelectField(_l("Review rubric"), coerce=int)
    max_grant = StringField(_l("Largest grant per project (yuan)"), validators=[DataRequired(), Length(max=20)])
    match_cap = StringField(_l("Largest match per project (yuan; empty for no cap)"), validators=[Length(max=20)])
    donor_cap = StringField(_l("Most of one resident's gifts that counts for the match (yuan)"),
                            validators=[DataRequired(), Length(max=20)])
    max_age_years = IntegerField(_l("Registered less than this many years ago (empty: any)"),
                                 validators=[Optional(), NumberRange(min=1, max=50)])
    incubated_only = BooleanField(_l("Only organizations that are or were in an incubator"))
    max_grade = SelectField(_l("Highest grade allowed"), choices=GRADE_LIMITS)
    pitch_weight = IntegerField(_l("Weight of the pitch in the final score (percent)"), default=40,
                                validators=[InputRequired(), NumberRange(min=0, max=100)])
    proposals_due_at = DateTimeLocalField(_l("Proposals close (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                          validators=[DataRequired(message=_l("Enter a date and time."))])
    giving_ends_at = DateTimeLocalField(_l("Public giving ends (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                        validators=[DataRequired(message=_l("Enter a date and time."))])
    request_ids = SelectMultipleField(_l("Community requests the round answers"), coerce=int,
                                      validators=[Optional()])
    submit = SubmitField(_l("Save the round"))


class FundingForm(Form):
    pot = SelectField(_l("Pot"), choices=options(POTS.items()))
    funder_kind = SelectField(_l("Funder"), choices=options(FUNDER_KINDS.items()))
    funder_name = StringField(_l("Funder's name"), validators=[DataRequired(), Length(max=100)])
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=20)])
    reference = StringField(_l("Document number or agreement"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Record the money"))


class ReviewerForm(Form):
    email = StringField(_l("Expert's e-mail address"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Add to the panel"))


class ProposalForm(Form):
    organization_id = SelectField(_l("Organization"), coerce=int)
    category_id = SelectField(_l("Service category"), coerce=int)
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=120)])
    problem = TextAreaField(_l("The problem"), validators=[DataRequired(), Length(max=10000)])
    target_group = TextAreaField(_l("Who it serves"), validators=[DataRequired(), Length(max=4000)])
    inputs = TextAreaField(_l("Inputs"), validators=[DataRequired(), Length(max=4000)])
    activities = TextAreaField(_l("Activities"), validators=[DataRequired(), Length(max=10000)])
    outputs = TextAreaField(_l("Outputs"), validators=[DataRequired(), Length(max=4000)])
    outcomes = TextAreaField(_l("Outcomes"), validators=[DataRequired(), Length(max=4000)])
    months = IntegerField(_l("Months"), validators=[InputRequired(), NumberRange(min=1, max=36)])
    budget = TextAreaField(_l("Budget, one line each: item | amount in yuan"),
                           validators=[DataRequired(), Length(max=4000)])
    request_ids = SelectMultipleField(_l("Community requests it answers"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Submit the proposal"))


class ScreenForm(Form):
    decision = RadioField(_l("Eligibility"), choices=options([("eligible", _l("Eligible")),
                                                              ("ineligible", _l("Not eligible"))]),
                          validators=[InputRequired(message=_l("Choose one."))])
    note = TextAreaField(_l("Reasons (required when not eligible)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record the check"))


class ProposalDeclarationForm(Form):
    conflict = RadioField(_l("Conflict of interest"), choices=options([
        ("no", _l("I have no conflict of interest with the applicant")),
        ("yes", _l("I have a conflict of interest and will not score this proposal"))]),
        validators=[InputRequired(message=_l("Choose one."))])
    note = TextAreaField(_l("Details (required for a conflict)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Declare"))


class ReviewForm(Form):
    """The indicator fields are added per rubric in the view (points_<indicator id>)."""
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)])
    save = SubmitField(_l("Save"))
    finish = SubmitField(_l("Submit the sheet"))


class PitchForm(Form):
    points = StringField(_l("Pitch score (0–100)"), validators=[DataRequired(), Length(max=8)])
    submit = SubmitField(_l("Record the pitch score"))


class ShortlistForm(Form):
    shortlisted = SelectMultipleField(_l("Shortlisted for the pitch"), coerce=int)
    submit = SubmitField(_l("Close the review and start the pitch"))


class SelectionForm(Form):
    selected = SelectMultipleField(_l("Projects to fund"), coerce=int)
    reason = TextAreaField(_l("Reasons (required when a higher-scoring project is left out; published)"),
                           validators=[Length(max=2000)])
    submit = SubmitField(_l("Publish the selection and open giving"))


class DonationForm(Form):
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=20)])
    display_name = StringField(
        _l("Name on the donor list (a person's or a company's)"),
        validators=[Length(max=100)],
        description=_l("Left empty, the gift is listed as anonymous; your account name is never shown."),
    )
    anonymous = BooleanField(_l("Stay anonymous on the public donor list"))
    submit = SubmitField(_l("Give"))


class AdvanceForm(Form):
    target = HiddenField(validators=[DataRequired()])
    confirmed = BooleanField(_l("What is left in the pools goes back to the funders"))
    submit = SubmitField(_l("Confirm"))

    def validate_confirmed(self, field):
        if self.target.data == "closed" and not field.data:  # closing returns the pools: irreversible
            raise ValidationError(_l("Tick the box to confirm."))

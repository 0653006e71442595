from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from market.contracts.models import DECISIONS, INSPECTION_KINDS
from market.core.forms import Confirmation, Form, IntegerField, options

MILESTONE_ROWS = 6
SPENDING_ROWS = 6


class MilestoneRow(FlaskForm):
    class Meta:
        csrf = False  # part of a form that has its own token

    title = StringField(_l("Milestone"), validators=[Length(max=120)])
    deliverables = StringField(_l("Deliverables"), validators=[Length(max=4000)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    share = StringField(_l("Share of the price (%)"), validators=[Length(max=8)])


class TermsForm(Form):
    price = StringField(_l("Price (yuan)"), validators=[DataRequired(), Length(max=20)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(message=_l("Enter a date."))])
    service_standards = TextAreaField(_l("Service standards"), validators=[DataRequired(), Length(max=10000)])
    milestones = FieldList(FormField(MilestoneRow), min_entries=MILESTONE_ROWS, max_entries=MILESTONE_ROWS)
    score_tied = BooleanField(_l("Tie the last tranche to the final evaluation's score"))
    score_withhold_below = IntegerField(_l("Withheld below the score"), default=60,
                                        validators=[Optional(), NumberRange(min=0, max=100)])
    score_full_from = IntegerField(_l("Paid in full from the score"), default=80,
                                   validators=[Optional(), NumberRange(min=1, max=100)])
    submit = SubmitField(_l("Save the terms"))


class SignForm(Confirmation, Form):
    side = HiddenField()
    submit = SubmitField(_l("Sign"))


class AmendRow(FlaskForm):
    class Meta:
        csrf = False

    milestone_id = HiddenField()
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter a date."))])
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=20)])


class AmendmentForm(Form):
    side = SelectField(_l("Proposed by"))
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(message=_l("Enter a date."))])
    milestones = FieldList(FormField(AmendRow))
    reason = TextAreaField(_l("Why the contract changes"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Propose the amendment"))


class AmendmentAnswerForm(Form):
    note = TextAreaField(_l("Note (required to refuse)"), validators=[Length(max=2000)])
    agree = SubmitField(_l("Agree and sign"))
    refuse = SubmitField(_l("Refuse"))


class SpendingRow(FlaskForm):
    class Meta:
        csrf = False

    item = StringField(_l("Budget line"), validators=[Length(max=120)])
    budget = StringField(_l("Budget (yuan)"), validators=[Length(max=20)])
    spent = StringField(_l("Spent (yuan)"), validators=[Length(max=20)])


class ReportForm(Form):
    activities = TextAreaField(_l("Activities carried out"), validators=[DataRequired(), Length(max=20000)])
    beneficiaries = IntegerField(_l("People served"), validators=[
        InputRequired(message=_l("Give the number of people served.")),
        NumberRange(min=0, max=10_000_000, message=_l("Give the number of people served."))])
    spending = FieldList(FormField(SpendingRow), min_entries=SPENDING_ROWS, max_entries=SPENDING_ROWS)
    files = MultipleFileField(_l("Photos and files (PDF, Word, Excel, PNG, JPG; up to 6)"))
    submit = SubmitField(_l("Submit the report"))


class InspectionForm(Form):
    kind = SelectField(_l("Kind of check"), choices=options(INSPECTION_KINDS.items()))
    milestone_id = SelectField(_l("Milestone"), coerce=int, validators=[Optional()])
    held_on = DateField(_l("Held on"), validators=[DataRequired(message=_l("Enter a date."))])
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("Record the check"))


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=options(DECISIONS.items()))
    reasons = TextAreaField(_l("Reasons (required to return or reject)"), validators=[Length(max=4000)])
    confirmed = BooleanField(_l("I have checked the report; an acceptance makes the tranche payable"))
    submit = SubmitField(_l("Record the decision"))

    def validate_confirmed(self, field):
        if self.decision.data == "accepted" and not field.data:  # an acceptance makes money payable
            raise ValidationError(_l("Tick the box to confirm."))

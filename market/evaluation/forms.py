from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from market.core.forms import Form, IntegerField, confirmation, options
from market.evaluation.models import EVALUATION_KINDS, RUBRIC_PURPOSES
from market.organizations.models import GRADES

STARS = options([(n, "★" * n) for n in range(5, 0, -1)])


class RubricForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    purpose = SelectField(_l("Used for"), choices=options(RUBRIC_PURPOSES.items()), render_kw={"disabled": True})
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    cap = IntegerField(_l("Highest total (bonus included)"), validators=[
        InputRequired(message=_l("Give the highest total.")), NumberRange(min=1, max=100000)])
    bands = StringField(_l("Bands (minimum and key, highest first)"), validators=[DataRequired(), Length(max=300)])
    outline = TextAreaField(_l("Indicators, one per line: code | name | points | scoring guide | evidence | flags"),
                            validators=[DataRequired(), Length(max=60000)])
    submit = SubmitField(_l("Save the draft"))


class CommissionForm(Form):
    kind = SelectField(_l("Evaluation"), choices=options((k, v) for k, v in EVALUATION_KINDS.items() if k != "grading"))
    evaluator_org_id = SelectField(_l("Evaluator organization"), coerce=int)
    rubric_id = SelectField(_l("Rubric"), coerce=int)
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Commission the evaluation"))


class DeclarationForm(Form):
    conflict = RadioField(_l("Conflict of interest"), choices=options([
        ("no", _l("We have no conflict of interest with the evaluated organization or the purchaser")),
        ("yes", _l("We have a conflict of interest (the commission is declined)"))]),
        validators=[InputRequired(message=_l("Choose one."))])
    note = TextAreaField(_l("Details (required for a conflict)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Declare"))


class ScoreRow(FlaskForm):
    class Meta:
        csrf = False

    indicator_id = HiddenField()
    points = StringField(_l("Points"), validators=[Length(max=12)])
    evidence = TextAreaField(_l("Evidence"), validators=[Length(max=4000)])


class ScoreSheetForm(Form):
    rows = FieldList(FormField(ScoreRow))
    save = SubmitField(_l("Save the scores"))


class SubmitEvaluationForm(Form):
    summary = TextAreaField(_l("Conclusions and recommendations"), validators=[DataRequired(), Length(max=10000)])
    confirmed = confirmation(
        _l("Every indicator is scored; the satisfaction indicator is filled from residents' ratings now"))
    submit = SubmitField(_l("Submit the evaluation"))


class RatingForm(Form):
    stars = RadioField(_l("Your rating"), coerce=int, choices=STARS,
                       validators=[InputRequired(message=_l("Choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])
    code = StringField(_l("Code from the service (if you were given one)"), validators=[Length(max=20)])
    submit = SubmitField(_l("Send my rating"))


class CodesForm(FlaskForm):
    # Not a one-time Form: what it makes (a secret) is shown on its own answer only, so a repeat
    # answered with the first one's page would lose it; a second set is listed and can be revoked.
    count = IntegerField(_l("Number of codes"), default=20, validators=[
        InputRequired(message=_l("Give a number.")), NumberRange(min=1, max=100)])
    submit = SubmitField(_l("Issue rating codes"))


class BeneficiariesForm(Form):
    emails = TextAreaField(_l("Residents served: their account e-mail addresses, one per line"),
                           validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Register as served"))


class DepartmentRatingForm(Form):
    stage = SelectField(_l("After"))
    paid_on_time = RadioField(_l("Paid on time"), coerce=int, choices=STARS,
                              validators=[InputRequired(message=_l("Give every item from 1 to 5."))])
    clear_requirements = RadioField(_l("Clear requirements"), coerce=int, choices=STARS,
                                    validators=[InputRequired(message=_l("Give every item from 1 to 5."))])
    no_interference = RadioField(_l("No undue interference"), coerce=int, choices=STARS,
                                 validators=[InputRequired(message=_l("Give every item from 1 to 5."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Rate the department"))


class GradeApplicationForm(Form):
    rubric_id = SelectField(_l("Rubric"), coerce=int)
    self_assessment = TextAreaField(_l("Self-assessment"), validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Apply for a grade"))


class AssignForm(Form):
    evaluator_org_id = SelectField(_l("Evaluator organization"), coerce=int)
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Assign the evaluator"))


class CommitteeForm(Form):
    note = TextAreaField(_l("Committee's note"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Decide and put on public notice"))


class AppealForm(Form):
    grounds = TextAreaField(_l("Grounds of the appeal"), validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("Appeal"))


class AppealAnswerForm(Form):
    grade = SelectField(_l("Grade"), coerce=int, choices=options(GRADES.items()))
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("Answer the appeal"))


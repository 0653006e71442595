from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from market.core.forms import Form, IntegerField, options
from market.partnership.agreements import MAX_MONTHS
from market.partnership.models import FREQUENCIES


class ListDraftForm(Form):
    district_id = SelectField(_l("District"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)],
                        description=_l("For example: 姑苏区社区工作事项清单（2027年版）"))
    source = StringField(_l("The document that sets it (optional)"), validators=[Length(max=300)])
    effective_from = DateField(_l("Applies from"), validators=[DataRequired(message=_l("Give a date."))])
    submit = SubmitField(_l("Start the new version"))


class ListChangeForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    source = StringField(_l("The document that sets it (optional)"), validators=[Length(max=300)])
    effective_from = DateField(_l("Applies from"), validators=[DataRequired(message=_l("Give a date."))])
    submit = SubmitField(_l("Save the draft"))


class ListImportForm(Form):
    file = FileField(_l("The lists (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Import"))


class AdmissionForm(Form):
    department_id = SelectField(_l("Department"), coerce=int)
    scope = SelectField(_l("For which communities"), validators=[DataRequired(message=_l("Choose the communities."))],
                        description=_l("One community, or every community of a street."))
    title = StringField(_l("The work"), validators=[DataRequired(), Length(max=120)])
    reason = TextAreaField(_l("Why communities should do it"), validators=[DataRequired(), Length(max=4000)])
    frequency = RadioField(_l("How often"), choices=options(FREQUENCIES.items()), default="monthly",
                           validators=[DataRequired(message=_l("Choose how often it is done."))])
    staff_hours = IntegerField(_l("Staff hours a community spends each time"),
                               validators=[DataRequired(message=_l("Give a whole number of hours."))])
    money_offered = StringField(_l("Money offered a community a year (yuan; 0 if none)"),
                                validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("Ask for admission"))


class AdmissionDecisionForm(Form):
    decision = RadioField(_l("Admission decision"), choices=options([("admit", _l("Admit")), ("refuse", _l("Refuse"))]),
                          validators=[DataRequired(message=_l("Choose admit or refuse."))])
    note = TextAreaField(_l("Conditions (to admit, optional) or the reason (to refuse, required)"),
                         validators=[Length(max=2000)], description=_l("Public, with the decision."))
    submit = SubmitField(_l("Record the admission decision"))


class PushedForm(Form):
    community_id = SelectField(_l("Community"), coerce=int)
    department_id = SelectField(_l("The department that pushed it"), coerce=int)
    title = StringField(_l("The work"), validators=[DataRequired(), Length(max=120)])
    details = TextAreaField(_l("How it was pushed on the community"), validators=[DataRequired(), Length(max=4000)],
                            description=_l("Who asked, when and how; what it takes."))
    staff_hours = IntegerField(_l("Staff hours it took"),
                               validators=[InputRequired(message=_l("Give a whole number of hours: 0 if none."))])
    submit = SubmitField(_l("Report it"))


class PushedDecisionForm(Form):
    decision = RadioField(_l("Finding"), choices=options([("uphold", _l("Upheld: pushed without admission")),
                                                          ("dismiss", _l("Dismissed"))]),
                          validators=[DataRequired(message=_l("Choose upheld or dismissed."))])
    finding = TextAreaField(_l("What you found"), validators=[DataRequired(), Length(max=2000)],
                            description=_l("Public, with the finding."))
    submit = SubmitField(_l("Record the finding"))


class AgreementForm(Form):
    organization_id = SelectField(_l("The community's residents' committee or workstation"), coerce=int)
    category_id = SelectField(_l("Service category"), coerce=int)
    price = StringField(_l("Money that comes with the work (yuan)"),
                        validators=[DataRequired(message=_l("Enter the amount in yuan."))])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(message=_l("Give a date."))])
    months = IntegerField(_l("Months it runs"), default=MAX_MONTHS, validators=[NumberRange(min=1, max=MAX_MONTHS)])
    standards = TextAreaField(_l("Tasks and standards"), validators=[DataRequired(), Length(max=10000)],
                              description=_l("What the community does, how often, and how delivery is shown."))
    submit = SubmitField(_l("Draft the agreement"))


SCORE_CHOICES = options((str(n), str(n)) for n in range(5, 0, -1))


class YearReviewForm(Form):
    """Its score fields are added per direction (REVIEW_ITEMS), by `year_review_form`."""

    comment = TextAreaField(_l("Comment (public)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Give the evaluation"))


def year_review_form(items: dict, **kwargs) -> YearReviewForm:
    class Scored(YearReviewForm):
        pass
    for key, label in items.items():
        setattr(Scored, key, RadioField(label, choices=SCORE_CHOICES,
                                        validators=[DataRequired(message=_l("Score it from 1 to 5."))]))
    return Scored(**kwargs)

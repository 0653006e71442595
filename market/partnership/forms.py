from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from market.core.forms import Form, IntegerField, options
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

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class BudgetForm(FlaskForm):
    amount = StringField(_l("Amount allotted (yuan)"), validators=[DataRequired(), Length(max=20)])
    reference = StringField(_l("Budget document number or description"), validators=[DataRequired(), Length(max=200)])
    token = HiddenField()  # one posting per form, however often it is sent
    submit = SubmitField(_l("Record the budget"))

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from market.core.forms import Form, confirmation


class BudgetForm(Form):
    amount = StringField(_l("Amount allotted (yuan)"), validators=[DataRequired(), Length(max=20)])
    reference = StringField(_l("Budget document number or description"), validators=[DataRequired(), Length(max=200)])
    confirmed = confirmation(_l("The amount and document are correct; budget records are public and permanent"))
    submit = SubmitField(_l("Record the budget"))

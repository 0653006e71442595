from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(_l("What will use the token"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create a token"))

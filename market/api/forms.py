from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    # Not a one-time Form: what it makes (a secret) is shown on its own answer only, so a repeat
    # answered with the first one's page would lose it; a second set is listed and can be revoked.
    name = StringField(_l("What will use the token"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create a token"))

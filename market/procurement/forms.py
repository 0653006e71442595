from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange


class CatalogForm(FlaskForm):
    department_id = SelectField(_l("Department"), coerce=int)
    year = IntegerField(_l("Year"), validators=[DataRequired(message=_l("Enter a year such as 2027.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2027."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create the draft"))


class ImportForm(FlaskForm):
    file = FileField(_l("Catalog file (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Import"))

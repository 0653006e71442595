from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from market.core.forms import options
from market.procurement.models import INSPECTION_RESULTS


class CatalogForm(FlaskForm):
    department_id = SelectField(_l("Department"), coerce=int)
    year = IntegerField(_l("Year"), validators=[DataRequired(message=_l("Enter a year such as 2027.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2027."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create the draft"))


class ImportForm(FlaskForm):
    file = FileField(_l("Catalog file (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Import"))


class UndertakerApplyForm(FlaskForm):
    category_ids = SelectMultipleField(_l("Service categories"), coerce=int,
                                       validators=[DataRequired(message=_l("Choose at least one category."))])
    submit = SubmitField(_l("Apply to be listed"))


class InspectionForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(message=_l("Enter a year such as 2027.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2027."))])
    result = SelectField(_l("Result"), choices=options(INSPECTION_RESULTS.items()))
    submit = SubmitField(_l("Record the inspection"))


class DebarForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    ends_on = DateField(_l("Debarred until"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Debar"))

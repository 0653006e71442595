from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from market.core.forms import Form, IntegerField


class OrganizationForm(Form):
    name = StringField(_l("Registered name"), validators=[DataRequired(), Length(max=100)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=24)],
                              description=_l("18 characters, as on the registration certificate."))
    org_type = SelectField(_l("Type"))
    registered_on = DateField(_l("Registration date"), validators=[DataRequired(message=_l("Enter a date."))])
    registration_authority = StringField(_l("Registration authority"), validators=[DataRequired(), Length(max=80)])
    district_id = SelectField(_l("District"), coerce=int, validators=[Optional()])
    category_ids = SelectMultipleField(_l("Service categories"), coerce=int,
                                       validators=[DataRequired(message=_l("Choose at least one category."))])
    community_ids = SelectMultipleField(_l("Communities served"), coerce=int, validators=[Optional()])
    staff_count = IntegerField(_l("Paid staff"), default=0, validators=[NumberRange(min=0, max=100000)])
    volunteer_count = IntegerField(_l("Volunteers"), default=0, validators=[NumberRange(min=0, max=1000000)])
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Enter a phone number of digits."))],
    )
    description = TextAreaField(_l("What the organization does"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save"))


class MemberForm(Form):
    email = EmailField(_l("E-mail address of the person"), validators=[DataRequired(), Email()])
    is_owner = BooleanField(_l("Owner (can edit the profile and manage members)"))
    submit = SubmitField(_l("Add member"))


class DocumentForm(Form):
    doc_type = SelectField(_l("Document type"))
    title = StringField(_l("Title"), validators=[Length(max=120)])
    file = FileField(_l("File (PDF, PNG, JPEG, DOCX or XLSX)"), validators=[FileRequired(message=_l("Choose a file."))])
    confidential = BooleanField(_l("Confidential (only members and civil affairs can open it)"))
    submit = SubmitField(_l("Upload"))

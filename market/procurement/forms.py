from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from market.core.forms import Form, IntegerField, confirmation, options
from market.organizations.models import GRADES, INSPECTION_RESULTS
from market.procurement.models import TENDER_METHODS


class CatalogForm(Form):
    department_id = SelectField(_l("Department"), coerce=int)
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(message=_l("Enter a year such as 2027.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2027.")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create the draft"))


class ImportForm(Form):
    file = FileField(_l("Catalog file (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Import"))


class UndertakerApplyForm(Form):
    category_ids = SelectMultipleField(_l("Service categories"), coerce=int,
                                       validators=[DataRequired(message=_l("Choose at least one category."))])
    submit = SubmitField(_l("Apply to be listed"))


class InspectionForm(Form):
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(message=_l("Enter a year such as 2027.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2027.")),
        ],
    )
    result = SelectField(_l("Result"), choices=options(INSPECTION_RESULTS.items()))
    submit = SubmitField(_l("Record the inspection"))


class DebarForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    ends_on = DateField(_l("Debarred until"), validators=[DataRequired(message=_l("Enter a date."))])
    confirmed = confirmation(_l("Yes, debar it: it leaves the catalog at once"))
    submit = SubmitField(_l("Debar"))


class TenderForm(Form):
    catalog_item_id = SelectField(_l("Catalog item"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What is bought"), validators=[DataRequired(), Length(max=10000)])
    service_standards = TextAreaField(_l("Service standards"), validators=[DataRequired(), Length(max=10000)])
    budget_ceiling = StringField(_l("Budget ceiling (yuan)"), validators=[DataRequired(), Length(max=20)])
    contract_months = IntegerField(_l("Contract length (months)"), default=12,
                                   validators=[DataRequired(message=_l("Enter a whole number of months.")),
                                               NumberRange(min=1, max=36, message=_l("From 1 to 36 months."))])
    method = SelectField(_l("Purchase method"), choices=options(TENDER_METHODS.items()))
    price_weight = IntegerField(
        _l("Price weight (%)"),
        validators=[Optional()],
        description=_l(
            "Open and invited tenders: at least 10; consultation: 10 to 30; quotation and "
            "competitive negotiation: 100 (the lowest price wins, no criteria); "
            "single source: leave empty."
        ),
    )
    criteria = TextAreaField(_l("Scoring criteria, one a line: name: points"),
                             validators=[Length(max=3000)],  # none when price alone decides (the service checks)
                             description=_l("With the price weight they must add up to 100."))
    questions_deadline = DateTimeLocalField(_l("Questions close (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                            validators=[DataRequired(message=_l("Enter a date and time."))])
    bid_deadline = DateTimeLocalField(_l("Bids close (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                      validators=[DataRequired(message=_l("Enter a date and time."))])
    opening_at = DateTimeLocalField(_l("Bids open (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                    validators=[DataRequired(message=_l("Enter a date and time."))])
    community_ids = SelectMultipleField(_l("Communities served"), coerce=int, validators=[Optional()])
    request_ids = SelectMultipleField(_l("Community requests it answers"), coerce=int, validators=[Optional()])
    invited_ids = SelectMultipleField(_l("Invited organizations (invited tender, single source)"), coerce=int,
                                      validators=[Optional()])
    catalog_only = BooleanField(_l("Only organizations in the undertaker catalog may bid"), default=True)
    min_grade = SelectField(_l("Minimum grade"), coerce=int,
                            choices=options([(0, _l("None required"))] + [(g, label) for g, label in GRADES.items()]),
                            description=_l("Never lower than the catalog item's minimum grade (shown with the item): "
                                           "a lower choice is raised to it."))
    submit = SubmitField(_l("Save the draft"))


class QuestionForm(Form):
    organization_id = SelectField(_l("Asking for"), coerce=int)
    question = TextAreaField(_l("Question (the answer is public; your name is not)"),
                             validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Ask"))


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer (published to everyone)"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Publish the answer"))


class BidForm(Form):
    proposal = TextAreaField(_l("Proposal"), validators=[DataRequired(), Length(max=20000)])
    team = TextAreaField(_l("Team"), validators=[Length(max=5000)])
    delivery_plan = TextAreaField(_l("Delivery plan"), validators=[DataRequired(), Length(max=10000)])
    price = StringField(_l("Price (yuan)"), validators=[DataRequired(), Length(max=20)])
    budget_lines = TextAreaField(_l("Budget lines, one a line: item: amount in yuan"),
                                 validators=[DataRequired(), Length(max=5000)],
                                 description=_l("They must add up to the price."))
    attachments = MultipleFileField(_l("Attachments (up to 3: PDF, DOCX, XLSX, PNG, JPEG)"))
    remove_attachments = SelectMultipleField(_l("Remove"), coerce=int)  # choices: the bid's attachments
    save_draft = SubmitField(_l("Save as a draft"))
    submit = SubmitField(_l("Submit the sealed bid"))


def parse_pairs(text: str, value) -> list[tuple[str, object]]:
    """Lines of "name: value" (a Chinese colon works too); raises ValueError naming the bad line."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, raw = line.replace("：", ":").rpartition(":")
        if not sep or not name.strip():
            raise ValueError(number)
        try:
            pairs.append((name.strip(), value(raw.strip())))
        except Exception:
            raise ValueError(number) from None
    return pairs


class PanelForm(Form):
    expert_id = SelectField(_l("Expert reviewer"), coerce=int)
    submit = SubmitField(_l("Add to the panel"))


class AwardForm(Form):
    bid_id = SelectField(_l("Bid to award"), coerce=int)
    reason = TextAreaField(_l("Reason (required unless it is the top-ranked bid)"), validators=[Length(max=2000)])
    confirmed = confirmation(_l("Yes, award: the notice period starts now"))
    submit = SubmitField(_l("Award and publish the notice"))


class ChallengeForm(Form):
    organization_id = SelectField(_l("Challenging as"), coerce=int)
    grounds = TextAreaField(_l("Grounds of the challenge"), validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("File the challenge"))


class GradeForm(Form):
    grade = SelectField(_l("Grade"), coerce=int, choices=options(GRADES.items()))
    valid_from = DateField(_l("Valid from"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Record the grade"))


class RerunForm(Form):
    method = SelectField(_l("Purchase method"), choices=options(TENDER_METHODS.items()))
    reason = TextAreaField(_l("Why it is run again this way"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Prepare a new draft"))

"""Delivering a contract: the organization's report on each milestone, with its spending and files,
and the independent third party's site visits and spot checks."""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.contracts.access import get_milestone
from market.contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from market.contracts.models import (
    INSPECTION_KINDS,
    MILESTONE_MACHINE,
    SIGNED_STATUSES,
    Contract,
    DeliveryReport,
    Inspection,
    Milestone,
    ReportFile,
    SpendingLine,
)
from market.contracts.steps import record_step
from market.contracts.terms import OPEN_MILESTONES
from market.core import text, unit, uploads
from market.core.errors import NotFound, ServiceError, existing
from market.core.money import format_fen
from market.extensions import db
from market.rules import deadlines

REPORT_FILE_KINDS = ("pdf", "docx", "xlsx", "png", "jpg", "jpeg")
MAX_REPORT_FILES = 6


# --- delivery ------------------------------------------------------------------------------------

@dataclass
class SpendingData:
    item: str
    budget_fen: int
    spent_fen: int


@dataclass
class ReportData:
    activities: str
    beneficiaries: int
    spending: list[SpendingData] = field(default_factory=list)
    files: list = field(default_factory=list)  # werkzeug FileStorage


def submit_report(actor: User, contract: Contract, milestone_id: int, data: ReportData) -> DeliveryReport:
    milestone = get_milestone(contract, milestone_id)
    MILESTONE_ACTIONS.require(actor, milestone, "report")
    activities = text.required(data.activities, 20000, _("Describe the activities."), "activities")
    if data.beneficiaries is None or not 0 <= data.beneficiaries <= 10_000_000:
        raise ServiceError(_("Give the number of people served."), field="beneficiaries")
    files = [f for f in data.files if f and f.filename]
    if len(files) > MAX_REPORT_FILES:
        raise ServiceError(_("Attach at most %(n)s files.", n=MAX_REPORT_FILES), field="files")
    lines = []
    for position, line in enumerate(data.spending):
        item = text.clean(line.item, 120)
        if not item:
            continue
        if line.budget_fen < 0 or line.spent_fen < 0:
            raise ServiceError(_("Amounts cannot be negative."))
        if max(line.budget_fen, line.spent_fen) > contract.price_fen:  # a typing slip, not a spending line
            raise ServiceError(_("“%(item)s”: no line can be larger than the whole contract (%(price)s).",
                                 item=item, price=format_fen(contract.price_fen)), field="spending",
                               code="line_above_contract")
        lines.append(SpendingLine(position=position, item=item, budget_fen=line.budget_fen, spent_fen=line.spent_fen))
    stored = [uploads.store(f, allowed=REPORT_FILE_KINDS) for f in files]
    version = len(milestone.reports) + 1
    report = DeliveryReport(milestone_id=milestone.id, version=version, activities=activities,
                            beneficiaries=data.beneficiaries, submitted_by_id=actor.id, submitted_at=clock.now())
    report.spending = lines
    db.session.add(report)
    db.session.flush()
    db.session.add_all([ReportFile.from_stored(s, report_id=report.id) for s in stored])
    MILESTONE_MACHINE.move(milestone, "reported", actor, "")
    record_step(contract, "milestone_reported", actor, milestone=milestone.title, beneficiaries=data.beneficiaries)
    unit.flush()
    return report


def latest_report(milestone: Milestone) -> DeliveryReport | None:
    return milestone.reports[-1] if milestone.reports else None


def report_file(viewer, contract: Contract, file_id: int) -> ReportFile:
    record = existing(ReportFile, file_id, _("This file does not exist."))
    report = db.session.get(DeliveryReport, record.report_id)
    if report.milestone.contract_id != contract.id:
        raise NotFound(_("This file does not exist."))
    return record


def record_inspection(actor: User, contract: Contract, kind: str, held_on: date, findings: str,
                      milestone_id: int | None = None) -> Inspection:
    CONTRACT_ACTIONS.require(actor, contract, "inspect")
    if kind not in INSPECTION_KINDS:
        raise ServiceError(_("Choose the kind of check."), field="kind")
    if held_on > clock.today():
        raise ServiceError(_("A check is recorded after it took place."), field="held_on")
    if milestone_id:
        get_milestone(contract, milestone_id)
    findings = text.required(findings, 10000, _("Write down the findings."), "findings")
    inspection = Inspection(contract_id=contract.id, milestone_id=milestone_id or None, kind=kind, held_on=held_on,
                            findings=findings, recorded_by_id=actor.id, recorded_at=clock.now())
    db.session.add(inspection)
    unit.flush()
    return inspection


def inspections(contract: Contract) -> list[Inspection]:
    return db.session.scalars(select(Inspection).filter_by(contract_id=contract.id).order_by(Inspection.held_on,
                                                                                            Inspection.id)).all()


# --- deadlines of reports -------------------------------------------------------------------------

def report_flags(contract: Contract, today: date) -> dict[int, str]:
    """The deadline state (rules/deadlines.py) of each report the organization still owes on a
    contract in force: due soon, overdue or long overdue."""
    if contract.status != "active":
        return {}
    limits = deadlines.thresholds(today)
    flags = {m.id: deadlines.state(m.due_on, today, limits) for m in contract.milestones if m.status in OPEN_MILESTONES}
    return {milestone_id: flag for milestone_id, flag in flags.items() if flag}


@dataclass(frozen=True)
class Lateness:
    overdue_now: int  # reports owed past their date today
    late_this_year: int  # reports sent after their date, or still owed past it, over the last 365 days
    often_late: bool  # late_this_year reaches the rules' `late_reports_to_flag`


def report_lateness(organization_ids, today: date) -> dict[int, Lateness]:
    """How late each organization is with its reports, in one query whatever its history."""
    limits = deadlines.thresholds(today)
    first_report = (select(DeliveryReport.milestone_id, func.min(DeliveryReport.submitted_at).label("first"))
                    .group_by(DeliveryReport.milestone_id).subquery())
    rows = db.session.execute(
        select(Contract.organization_id, Milestone.due_on, Milestone.status, first_report.c.first)
        .join(Contract).outerjoin(first_report, first_report.c.milestone_id == Milestone.id)
        .where(Contract.organization_id.in_(set(organization_ids)), Contract.status.in_(SIGNED_STATUSES),
               Milestone.due_on < today, Milestone.due_on >= date.fromordinal(today.toordinal() - 365),
               Milestone.status != "cancelled")).all()
    overdue, late = {}, {}
    for organization_id, due_on, status, first in rows:
        owed_late = status in OPEN_MILESTONES and first is None
        if owed_late or (first is not None and clock.china_date(first) > due_on):
            late[organization_id] = late.get(organization_id, 0) + 1
        if status in OPEN_MILESTONES:
            overdue[organization_id] = overdue.get(organization_id, 0) + 1
    return {o: Lateness(overdue.get(o, 0), late.get(o, 0), late.get(o, 0) >= limits.late_reports_to_flag)
            for o in set(organization_ids)}

"""OCDS 1.1 release packages and compiled records.

Each public tender is one contracting process (`ocid` = prefix + "tender-" + its id). Its releases
follow what happened: the tender (published), a tender update (cancelled or failed), the award, the
contract (signed) and its implementation (milestones met, payments). Each signed agreement entrusting
admitted work to a community's residents' committee or workstation is one too (prefix + "entrusted-"
+ its id): a direct procurement, awarded and signed at once, then implemented the same way. Amounts are yuan written
exactly from fen (no float on the way), dates RFC 3339 with a time zone. Only public facts: no bid
before opening, no draft contract."""
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import literal, literal_column, select, union_all

from market import clock
from market.contracts.models import SIGNED_STATUSES, Contract
from market.core.workflow import StatusChange
from market.extensions import db
from market.money.models import Payment
from market.partnership.models import EntrustedAgreement
from market.procurement.models import Award, Bid, Tender

OCDS_VERSION = "1.1"
METHODS = {"open_tender": "open", "invited_tender": "selective", "competitive_negotiation": "limited",
           "competitive_consultation": "limited", "request_for_quotation": "limited", "single_source": "direct"}
TENDER_STATUS = {"published": "active", "bidding_closed": "active", "opened": "active", "evaluated": "active",
                 "awarded": "complete", "contracted": "complete", "cancelled": "cancelled", "failed": "unsuccessful"}
CONTRACT_STATUS = {"active": "active", "completed": "terminated", "terminated": "terminated"}
MILESTONE_STATUS = {"pending": "scheduled", "reported": "scheduled", "returned": "scheduled", "held": "met",
                    "accepted": "met", "paying": "met", "paid": "met", "withheld": "notMet", "rejected": "notMet",
                    "cancelled": "notMet"}


# --- exact JSON -------------------------------------------------------------------------------------

class _Exact(json.JSONEncoder):
    def default(self, value):
        if isinstance(value, Decimal):
            return f"\x00{value}\x00"  # replaced by a bare number below
        return super().default(value)


def dumps(value, indent=None) -> str:
    """JSON in which Decimal amounts are written as exact numbers (never through a float)."""
    return re.sub(r'"\\u0000([-0-9.]+)\\u0000"', r"\1", json.dumps(value, cls=_Exact, ensure_ascii=False,
                                                                      indent=indent))


def yuan(fen: int) -> dict:
    return {"amount": (Decimal(fen) / 100).quantize(Decimal("0.01")), "currency": "CNY"}


def moment(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"  # stored as UTC
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00+08:00"  # a calendar day in China
    raise TypeError(value)


def prefix() -> str:
    return current_app.config["OCDS_OCID_PREFIX"]


def ocid_of(tender_id: int) -> str:
    return f"{prefix()}-tender-{tender_id}"


def ocid_of_agreement(agreement_id: int) -> str:
    return f"{prefix()}-entrusted-{agreement_id}"


def _uri(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


# --- parties ---------------------------------------------------------------------------------------

def _department_party(department) -> dict:
    return {"id": f"department-{department.id}", "name": department.name}


def _organization_party(org) -> dict:
    """An organization by its unified social credit code; a residents' committee or community workstation
    says so, and which community it is, in the party's details (OCDS leaves `details` to the publisher)."""
    party = {"id": f"CN-USCC-{org.credit_code}", "name": org.name,
             "identifier": {"scheme": "CN-USCC", "id": org.credit_code, "legalName": org.name}}
    if org.is_community_body:
        party["details"] = {"organizationType": org.org_type,
                            "community": ", ".join(c.name for c in org.communities)}
    return party


def _ref(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


# --- one process -----------------------------------------------------------------------------------

def public_tenders_select():
    return select(Tender).where(Tender.status != "draft").order_by(Tender.id)


def public_processes_select():
    """Every public contracting process as (kind, id, when it became public): the published tenders and the
    signed entrusting agreements."""
    tenders = select(literal("tender").label("kind"), Tender.id.label("id"), Tender.published_at.label("public_at")) \
        .where(Tender.status != "draft")
    entrusted = (select(literal("entrusted").label("kind"), EntrustedAgreement.id.label("id"),
                        Contract.signed_at.label("public_at"))
                 .join(Contract, Contract.id == EntrustedAgreement.contract_id)
                 .where(Contract.status.in_(SIGNED_STATUSES)))
    # in the order they became public, so a harvest page by page sees a new process at the end
    return union_all(tenders, entrusted).order_by(literal_column("public_at"), literal_column("kind"),
                                                  literal_column("id"))


def processes_of(rows) -> list:
    """The tenders and agreements of (kind, id) rows, in their order."""
    ids = {"tender": [r.id for r in rows if r.kind == "tender"], "entrusted": [r.id for r in rows
                                                                             if r.kind == "entrusted"]}
    found = {("tender", t.id): t for t in db.session.scalars(select(Tender).where(Tender.id.in_(ids["tender"])))}
    found |= {("entrusted", a.id): a for a in db.session.scalars(
        select(EntrustedAgreement).where(EntrustedAgreement.id.in_(ids["entrusted"])))}
    return [found[r.kind, r.id] for r in rows]


def process_of_ocid(ocid: str):
    """The public tender or signed agreement an ocid names, or None."""
    for kind, model in (("tender", Tender), ("entrusted", EntrustedAgreement)):
        number = ocid.removeprefix(f"{prefix()}-{kind}-")
        if number != ocid and number.isdigit() and len(number) < 10:
            found = db.session.get(model, int(number))
            public = found is not None and (found.status != "draft" if kind == "tender"
                                            else found.contract.status in SIGNED_STATUSES)
            return found if public else None
    return None


def releases_of(process) -> list[dict]:
    """Every release of one contracting process (a tender or an entrusting agreement), oldest first."""
    if isinstance(process, EntrustedAgreement):
        return _agreement_releases(process)
    tender = process
    ocid = ocid_of(tender.id)
    buyer = _department_party(tender.department)
    base = {"ocid": ocid, "initiationType": "tender", "language": "zh",
            "buyer": _ref(buyer)}
    opened = tender.opened_at is not None
    bids = db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.status == "submitted",
                                                Bid.opened_at.is_not(None)).order_by(Bid.id)).all() if opened else []
    tenderers = [_organization_party(b.organization) for b in bids]
    tender_block = {
        "id": f"tender-{tender.id}",
        "title": tender.title,
        "description": tender.description,
        "status": TENDER_STATUS[tender.status],
        "procuringEntity": _ref(buyer),
        "value": yuan(tender.budget_ceiling_fen),
        "procurementMethod": METHODS[tender.method],
        "procurementMethodDetails": tender.method,
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria" if tender.price_weight is None or tender.price_weight < 100 else "priceOnly",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": moment(tender.published_at), "endDate": moment(tender.bid_deadline)},
        "enquiryPeriod": {"startDate": moment(tender.published_at), "endDate": moment(tender.questions_deadline)},
        "contractPeriod": {"durationInDays": tender.contract_months * 30},
    }
    if opened:
        tender_block["numberOfTenderers"] = len(bids)
        tender_block["tenderers"] = [_ref(p) for p in tenderers]
    parties = {buyer["id"]: {**buyer, "roles": ["buyer", "procuringEntity"]}}
    for party in tenderers:
        parties[party["id"]] = {**party, "roles": ["tenderer"]}

    def release(kind: str, when, tags: list[str], **blocks) -> dict:
        return {**base, "id": f"{ocid}-{kind}", "date": moment(when), "tag": tags,
                "parties": [dict(p, roles=list(p["roles"])) for p in parties.values()], **blocks}

    releases = [release("tender", tender.published_at, ["tender"], tender=tender_block)]
    ended = db.session.scalar(select(StatusChange.at).where(
        StatusChange.subject_type == "tender", StatusChange.subject_id == tender.id,
        StatusChange.to_status.in_(("cancelled", "failed"))).order_by(StatusChange.id.desc()).limit(1))
    if ended is not None:
        releases.append(release("tenderUpdate", ended, ["tenderUpdate"], tender=tender_block))
    award = db.session.scalar(select(Award).where(Award.tender_id == tender.id))
    if award is None:
        return releases
    supplier = _organization_party(award.bid.organization)
    parties[supplier["id"]] = {**supplier, "roles": sorted({*parties.get(supplier["id"], {}).get("roles", []),
                                                             "supplier"})}
    in_notice = tender.status == "awarded" and clock.now() < award.notice_ends_at
    award_block = {"id": f"award-{award.id}", "title": tender.title, "date": moment(award.awarded_at),
                   "status": "cancelled" if tender.status == "cancelled" else "pending" if in_notice else "active",
                   "value": yuan(award.bid.price_fen), "suppliers": [_ref(supplier)]}
    if award.reason:
        award_block["description"] = award.reason
    releases.append(release("award", award.awarded_at, ["award"], tender=tender_block, awards=[award_block]))
    contract = db.session.scalar(select(Contract).where(Contract.tender_id == tender.id,
                                                        Contract.status.in_(SIGNED_STATUSES)))
    if contract is None:
        return releases
    return releases + _contract_releases(release, parties, buyer, supplier, contract, award_block,
                                         tender=tender_block)


def _contract_releases(release, parties: dict, buyer: dict, supplier: dict, contract, award_block: dict,
                       **blocks) -> list[dict]:
    """The contract's releases once signed: the contract, and its implementation (payments) once paid or ended."""
    milestones = [{"id": f"milestone-{m.id}", "title": m.title, "description": m.deliverables, "type": "delivery",
                   "dueDate": moment(m.due_on), "status": _milestone_status(m),
                   **({"dateMet": moment(m.accepted_at)} if m.accepted_at else {})}
                  for m in contract.milestones]
    contract_block = {"id": f"contract-{contract.id}", "awardID": award_block["id"], "title": contract.title,
                      "description": contract.service_standards, "status": CONTRACT_STATUS[contract.status],
                      "period": {"startDate": moment(contract.starts_on), "endDate": moment(contract.ends_on)},
                      "value": yuan(contract.price_fen), "dateSigned": moment(contract.signed_at),
                      "milestones": milestones}
    releases = [release("contract", contract.signed_at, ["contract"], awards=[award_block],
                        contracts=[contract_block], **blocks)]
    payments = db.session.scalars(select(Payment).where(Payment.contract_id == contract.id,
                                                        Payment.status == "settled").order_by(Payment.id)).all()
    if payments or contract.status != "active":
        parties[supplier["id"]]["roles"] = sorted({*parties[supplier["id"]]["roles"], "payee"})
        parties[buyer["id"]]["roles"] = sorted({*parties[buyer["id"]]["roles"], "payer"})
        transactions = [{"id": f"payment-{p.id}", "date": moment(p.settled_at), "value": yuan(p.amount_fen),
                         "payer": _ref(buyer), "payee": _ref(supplier),
                         "uri": _uri(f"/contracts/{contract.id}")} for p in payments]
        last = max([p.settled_at for p in payments] + [contract.ended_at or contract.signed_at])
        releases.append(release("implementation", last, ["implementation"], awards=[award_block],
                                contracts=[{**contract_block, "implementation": {"transactions": transactions}}],
                                **blocks))
    return releases


def _agreement_releases(agreement) -> list[dict]:
    """An agreement entrusting admitted work to a community's committee (issue 23) as a contracting process
    of its own: a direct procurement (no competition: the work goes to the body of the community it was
    admitted for), awarded and signed at once, then implemented like any contract."""
    contract, request = agreement.contract, agreement.admission
    ocid = ocid_of_agreement(agreement.id)
    buyer = _department_party(contract.department)
    supplier = _organization_party(agreement.organization)
    parties = {buyer["id"]: {**buyer, "roles": ["buyer", "procuringEntity"]},
               supplier["id"]: {**supplier, "roles": ["supplier"]}}
    tender_block = {
        "id": f"admission-{request.id}", "title": request.title, "description": request.reason,
        "status": "complete", "procuringEntity": _ref(buyer), "value": yuan(contract.ceiling_fen),
        "procurementMethod": "direct", "procurementMethodDetails": "社区工作准入·委托协议（费随事转）",
        "procurementMethodRationale": "社区工作准入事项，委托所在社区居民委员会或社区工作站承担，费随事转",
        "mainProcurementCategory": "services",
    }

    def release(kind: str, when, tags: list[str], **blocks) -> dict:
        return {"ocid": ocid, "initiationType": "tender", "language": "zh", "buyer": _ref(buyer),
                "id": f"{ocid}-{kind}", "date": moment(when), "tag": tags,
                "parties": [dict(p, roles=list(p["roles"])) for p in parties.values()], **blocks}

    award_block = {"id": f"award-entrusted-{agreement.id}", "title": contract.title, "date": moment(contract.signed_at),
                   "status": "active", "value": yuan(contract.price_fen), "suppliers": [_ref(supplier)]}
    return [release("award", contract.signed_at, ["tender", "award"], tender=tender_block, awards=[award_block]),
            *_contract_releases(release, parties, buyer, supplier, contract, award_block, tender=tender_block)]


def _milestone_status(milestone) -> str:
    if (
        milestone.status == "paid"
        and milestone.payable_fen is not None
        and milestone.payable_fen < milestone.amount_fen
    ):
        return "partiallyMet"  # a tranche cut by the evaluation score
    return MILESTONE_STATUS[milestone.status]


# --- compiling (OCDS merge: objects by key, arrays of objects by id, other values replaced) ---------

def merge(earlier, later):
    if isinstance(earlier, dict) and isinstance(later, dict):
        merged = dict(earlier)
        for key, value in later.items():
            merged[key] = merge(earlier[key], value) if key in earlier else value
        return {k: v for k, v in merged.items() if v is not None}
    if isinstance(earlier, list) and isinstance(later, list) and all(isinstance(i, dict) and "id" in i
                                                                     for i in earlier + later):
        by_id = {item["id"]: item for item in earlier}
        for item in later:
            by_id[item["id"]] = merge(by_id[item["id"]], item) if item["id"] in by_id else item
        return list(by_id.values())
    return later


def compile_record(releases: list[dict]) -> dict:
    compiled = {}
    for release in sorted(releases, key=lambda r: r["date"]):
        compiled = merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    ocid = releases[0]["ocid"]
    return {**compiled, "id": f"{ocid}-compiled", "tag": ["compiled"], "date": max(r["date"] for r in releases)}


def record_of(process) -> dict:
    releases = releases_of(process)
    return {"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": compile_record(releases)}


# --- packages -------------------------------------------------------------------------------------

def _package_head(uri: str) -> dict:
    return {"uri": _uri(uri), "version": OCDS_VERSION, "publishedDate": moment(clock.now()),
            "publisher": {"name": current_app.config["OCDS_PUBLISHER"]},
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "publicationPolicy": _uri("/open")}


def release_package(processes, uri: str) -> dict:
    return {**_package_head(uri), "releases": [r for p in processes for r in releases_of(p)]}


def record_package(processes, uri: str) -> dict:
    return {**_package_head(uri), "records": [record_of(p) for p in processes]}


def batches(size: int = 200) -> Iterator[list]:
    """Every public contracting process, a batch at a time (for exports)."""
    rows = db.session.execute(public_processes_select()).all()
    for start in range(0, len(rows), size):
        yield processes_of(rows[start:start + size])
        db.session.expunge_all()


def export(directory, progress=lambda n: None) -> dict:
    """Write release-package.json, record-package.json and one record package per process."""
    from pathlib import Path

    out = Path(directory)
    (out / "records").mkdir(parents=True, exist_ok=True)
    counts = {"processes": 0, "releases": 0}
    releases_file, records_file = out / "release-package.json", out / "record-package.json"
    with (
        releases_file.open("w", encoding="utf-8") as releases_out,
        records_file.open("w", encoding="utf-8") as records_out,
    ):
        releases_head, records_head = _package_head("/api/ocds/releases.json"), _package_head("/api/ocds/records.json")
        releases_out.write(dumps(releases_head)[:-1] + ',"releases":[')
        records_out.write(dumps(records_head)[:-1] + ',"records":[')
        for batch in batches():
            for process in batch:
                record = record_of(process)
                separator = "," if counts["processes"] else ""
                releases_out.write(separator + ",".join(dumps(r) for r in record["releases"]))
                records_out.write(separator + dumps(record))
                (out / "records" / f"{record['ocid']}.json").write_text(
                    dumps({**_package_head(f"/api/ocds/records/{record['ocid']}.json"), "records": [record]}, indent=2),
                    encoding="utf-8")
                counts["processes"] += 1
                counts["releases"] += len(record["releases"])
            progress(len(batch))
        releases_out.write("]}")
        records_out.write("]}")
    return counts

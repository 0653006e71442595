"""Rules for social organizations: registration, civil-affairs review, members and documents."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import text, unit, uploads
from market.core.errors import NotFound, PermissionDenied, Problem, ServiceError
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.notifications import services as notifications
from market.notifications.wording import describes
from market.organizations import credit_code
from market.organizations.models import (
    COMMUNITY_BODY_TYPES,
    DOCUMENT_TYPES,
    ORG_TYPES,
    ORGANIZATION_MACHINE,
    Membership,
    Organization,
    OrganizationDocument,
    ServiceCategory,
    organization_category,
    organization_community,
)
from market.places.models import Community, District


@dataclass
class OrganizationData:
    name: str
    credit_code: str
    org_type: str
    registered_on: date
    registration_authority: str
    district_id: int | None
    description: str
    staff_count: int
    volunteer_count: int
    contact_phone: str
    category_ids: list[int]
    community_ids: list[int]


def credit_code_message(code: str, org_type: str | None = None) -> str | None:
    """A translated explanation of what is wrong with a credit code, or None if it is right."""
    code = credit_code.normalize(code)
    found = credit_code.problem(code)
    if found is None:
        declared = credit_code.category_of(code)
        if org_type and declared and declared != "other" and declared != org_type:
            return _("The code's second character says this organization is a %(kind)s; check the type or the code.",
                     kind=org_type_label(declared))
        return None
    return {
        "length": _("A unified social credit code has exactly 18 characters (this one has %(n)s).", n=len(code)),
        "character": _(
            "Character %(pos)s is not allowed; codes use digits and the capitals A–Y without I, O, S, V, Z.",
            pos=found.position,
        ),
        "authority": _("The first character is not a known registration authority."),
        "division": _("Characters 3 to 8 must be the digits of an administrative division code."),
        "org_check": _("The organization-code check character (17th) does not match: the code was probably mistyped."),
        "check": _("The final check character does not match: the code was probably mistyped."),
    }[found.key]


def org_type_label(org_type: str) -> str:
    return {
        "social_group": _("Social group (社会团体)"),
        "social_service": _("Social service agency (社会服务机构)"),
        "foundation": _("Foundation (基金会)"),
        "property_management": _("Property-management company (物业服务企业)"),
        "residents_committee": _("Residents' committee (居民委员会)"),
        "workstation": _("Community workstation (社区工作站)"),
    }.get(org_type, org_type)


def community_body_problem(org: Organization) -> Problem | None:
    """A residents' committee or a community workstation takes on work by agreement only: it neither
    bids, nor applies for grants, nor is listed as an undertaker."""
    if org.is_community_body:
        return Problem(_("A residents' committee or community workstation takes on work by an entrusting "
                         "agreement (委托协议), not by bidding or applying."), code="community_body")
    return None


def document_type_label(doc_type: str) -> str:
    return {
        "registration_certificate": _("Registration certificate"),
        "charter": _("Charter"),
        "annual_report": _("Annual report"),
        "audit_report": _("Audit report"),
        "other": _("Other"),
    }.get(doc_type, doc_type)


def _validated(data: OrganizationData) -> OrganizationData:
    data.credit_code = credit_code.normalize(data.credit_code)
    message = credit_code_message(data.credit_code, data.org_type)
    if message:
        raise ServiceError(message, field="credit_code")
    if data.org_type not in ORG_TYPES:
        raise ServiceError(_("Choose the organization type."), field="org_type")
    if data.org_type in COMMUNITY_BODY_TYPES and len(set(data.community_ids)) != 1:
        raise ServiceError(_("A residents' committee or community workstation serves one community: choose it, "
                             "and only it, under the communities served."), field="community_ids")
    if data.registered_on > clock.now().date():
        raise ServiceError(_("The registration date cannot be in the future."), field="registered_on")
    if data.district_id is not None and db.session.get(District, data.district_id) is None:
        raise ServiceError(_("Choose a district from the list."), field="district_id")
    return data


def _apply(org: Organization, data: OrganizationData) -> None:
    for name in ("name", "credit_code", "org_type", "registered_on", "registration_authority",
                 "district_id", "description", "staff_count", "volunteer_count", "contact_phone"):
        setattr(org, name, getattr(data, name).strip() if isinstance(getattr(data, name), str) else getattr(data, name))
    org.categories = list(db.session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(data.category_ids))))
    org.communities = list(db.session.scalars(select(Community).where(Community.id.in_(data.community_ids))))


def _save(org: Organization) -> None:
    refuse_if_taken(_("An organization with this credit code is already registered."), field="credit_code")


def register_organization(actor: User, data: OrganizationData) -> Organization:
    """A person registers an organization; it waits for civil affairs and they become its owner."""
    data = _validated(data)
    if db.session.scalar(select(Organization.id).where(Organization.credit_code == data.credit_code)):
        raise ServiceError(_("An organization with this credit code is already registered."), field="credit_code")
    now = clock.now()
    org = Organization(created_at=now, created_by_id=actor.id, status="pending")
    _apply(org, data)
    db.session.add(org)
    db.session.flush()
    db.session.add(
        Membership(user_id=actor.id, organization_id=org.id, is_owner=True, added_at=now, added_by_id=actor.id)
    )
    ORGANIZATION_MACHINE.start(org, actor, _("Registered on Market"))
    _save(org)
    return org


def get_organization(viewer: User | None, organization_id: int) -> Organization:
    """An organization the viewer may see: approved ones to all, others to members and civil affairs."""
    org = db.session.get(Organization, organization_id)
    if org is None or not can_view(viewer, org):
        raise NotFound(_("This organization does not exist or is not public yet."))
    return org


def is_insider(viewer: User | None, org: Organization) -> bool:
    """Members of the organization and civil affairs see what the public does not."""
    return viewer is not None and viewer.is_authenticated and (
        org.id in viewer.organization_ids() or viewer.has_role(Role.CIVIL_AFFAIRS)
    )


def members_of(organization_ids) -> dict[int, list[User]]:
    """Each organization's members, in one query: who a reminder to the organization goes to."""
    found: dict[int, list[User]] = {}
    for membership in db.session.scalars(select(Membership).options(db.joinedload(Membership.user))
                                         .where(Membership.organization_id.in_(set(organization_ids)))):
        found.setdefault(membership.organization_id, []).append(membership.user)
    return found


def can_view(viewer: User | None, org: Organization) -> bool:
    return org.is_public or is_insider(viewer, org)


def can_edit(viewer: User | None, org: Organization) -> bool:
    return viewer is not None and viewer.is_authenticated and viewer.owns_organization(org.id)


def _require_owner(actor: User, org: Organization) -> None:
    if not can_edit(actor, org):
        raise PermissionDenied(_("Only an owner of this organization can do this."))


def _require_member(actor: User, org: Organization) -> None:
    if org.id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))


def update_organization(actor: User, org: Organization, data: OrganizationData) -> Organization:
    _require_owner(actor, org)
    _apply(org, _validated(data))
    if org.status == "rejected":
        ORGANIZATION_MACHINE.move(org, "pending", actor, _("Corrected and resubmitted"))
    _save(org)
    return org


def public_organizations_select(
    category_id: int | None = None, district_id: int | None = None, community_id: int | None = None
):
    statement = (
        select(Organization)
        .where(Organization.status == "approved")
        .options(db.selectinload(Organization.categories), db.joinedload(Organization.district))
        .order_by(Organization.name, Organization.id)
    )
    if category_id:
        # IN over the link table reads the category's links by index; any() would test every organization
        statement = statement.where(Organization.id.in_(select(organization_category.c.organization_id)
                                                        .where(organization_category.c.category_id == category_id)))
    if district_id:
        statement = statement.where(Organization.district_id == district_id)
    if community_id:
        statement = statement.where(Organization.id.in_(select(organization_community.c.organization_id)
                                                        .where(organization_community.c.community_id == community_id)))
    return statement


def pending_organizations_select(actor: User):
    if not actor.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))
    return (
        select(Organization)
        .where(Organization.status == "pending")
        .options(db.selectinload(Organization.categories), db.joinedload(Organization.district))
        .order_by(Organization.created_at, Organization.id)
    )


def review_organization(actor: User, org: Organization, approve: bool, reason: str = "") -> Organization:
    if not actor.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))
    if actor.id in {m.user_id for m in org.members}:
        raise PermissionDenied(_("You are a member of this organization and cannot review it."))
    if not approve and not reason.strip():
        raise ServiceError(_("Give the organization a reason for the refusal."), field="reason")
    ORGANIZATION_MACHINE.move(org, "approved" if approve else "rejected", actor, reason.strip())
    unit.flush()
    kind = "organization_approved" if approve else "organization_returned"
    subject = (lambda: _("%(name)s is approved on Market", name=org.name)) if approve \
        else (lambda: _("%(name)s needs corrections", name=org.name))
    for member in org.members:
        if member.is_owner:
            notifications.notify(member.user, kind, {"name": org.name, "reason": reason.strip()},
                                 ("organizations.show", {"organization_id": org.id}), mail_subject=subject)
    return org


def may_suspend(actor: User, org: Organization) -> str | None:
    """"suspended" or "approved": the move civil affairs may make now, if any."""
    if not (actor.is_authenticated and actor.has_role(Role.CIVIL_AFFAIRS)):
        return None
    return next((target for target in ("suspended", "approved")
                 if ORGANIZATION_MACHINE.allowed(org.status, target) and org.status in ("approved", "suspended")), None)


def suspend_organization(actor: User, org: Organization, suspend: bool, reason: str) -> Organization:
    """Civil affairs suspends an approved organization (it may not bid or apply while suspended) or
    lifts the suspension; the reason is public on its history."""
    if not actor.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))
    reason = text.required(reason, 1000, _("Give the organization a reason."), "reason")
    ORGANIZATION_MACHINE.move(org, "suspended" if suspend else "approved", actor, reason)
    unit.flush()
    return org


def add_member(actor: User, org: Organization, email: str, is_owner: bool) -> Membership:
    _require_owner(actor, org)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ServiceError(_("No account uses this e-mail address; ask the person to register first."), field="email")
    if any(m.user_id == user.id for m in org.members):
        raise ServiceError(_("This person is already a member."), field="email")
    membership = Membership(user_id=user.id, organization_id=org.id, is_owner=is_owner,
                            added_at=clock.now(), added_by_id=actor.id)
    db.session.add(membership)
    refuse_if_taken(_("This person is already a member."), field="email")
    return membership


def remove_member(actor: User, org: Organization, membership_id: int) -> None:
    _require_owner(actor, org)
    membership = next((m for m in org.members if m.id == membership_id), None)
    if membership is None:
        raise NotFound(_("This member does not exist."))
    if membership.is_owner and sum(1 for m in org.members if m.is_owner) == 1:
        raise ServiceError(_("An organization must keep at least one owner."))
    org.members.remove(membership)
    unit.flush()


def upload_document(
    actor: User, org: Organization, doc_type: str, title: str, file, confidential: bool
) -> OrganizationDocument:
    _require_member(actor, org)
    if doc_type not in DOCUMENT_TYPES:
        raise ServiceError(_("Choose the document type."), field="doc_type")
    stored = uploads.store(file)
    document = OrganizationDocument.from_stored(
        stored, organization_id=org.id, doc_type=doc_type, title=title.strip() or stored.original_filename,
        confidential=confidential, uploaded_at=clock.now(), uploaded_by_id=actor.id,
    )
    db.session.add(document)
    try:
        unit.flush()
    except Exception:
        db.session.rollback()
        uploads.discard(stored.stored_name)
        raise
    return document


def get_document(viewer: User | None, document_id: int) -> OrganizationDocument:
    """Public documents of public organizations to all; confidential ones to members and civil affairs."""
    document = db.session.get(OrganizationDocument, document_id)
    if document is None:
        raise NotFound(_("This document does not exist."))
    org = document.organization
    if not is_insider(viewer, org) and (document.confidential or not org.is_public):
        raise NotFound(_("This document does not exist."))
    return document


def visible_documents(viewer: User | None, org: Organization) -> list[OrganizationDocument]:
    insider = is_insider(viewer, org)
    return [d for d in org.documents if insider or not d.confidential]


def approved_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(
        select(Organization).where(Organization.status == "approved").order_by(Organization.name))]


def category_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in categories()]


def categories() -> list[ServiceCategory]:
    return list(db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.sort_order)))


@describes("organization_approved")
def _approved(d):
    return _("Civil affairs approved %(name)s. Its profile is now public.", name=d.get("name", ""))


@describes("organization_returned")
def _returned(d):
    return _("Civil affairs returned the registration of %(name)s: %(reason)s\n"
             "Correct the profile and save it to resubmit.", name=d.get("name", ""), reason=d.get("reason", ""))

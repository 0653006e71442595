"""Strangers: for each role of the demo, someone who holds the same role for somebody else (another
department's purchaser, another organization's owner, another community's worker…), so every page
is also requested by a person who may not act on it."""
from datetime import date

from sqlalchemy import select

from conftest import FormClient
from market.accounts import services as accounts
from market.accounts.roles import Role
from market.demo.seed import DEMO_PASSWORD
from market.extensions import db
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import Organization
from market.places.models import Community, Department, Street
from tests.world import WORLD_PASSWORD

# Crawl role -> e-mail. The demo's people first, then the strangers built below.
DEMO_ROLES = {
    "civil_affairs": "admin@demo.market", "worker": "worker@demo.market", "purchaser": "purchaser@demo.market",
    "owner": "org@demo.market", "incubator": "incubator@demo.market", "evaluator": "evaluator@demo.market",
    "expert": "expert@demo.market", "resident": "resident@demo.market", "applicant": "xinqiao@demo.market",
    # the grid ledger's (demo/grid.py)
    "grid_leader": "gridleader@demo.market", "building_leader": "building@demo.market",
    "grid_leader2": "gridleader2@demo.market",
    "department_staff": "city@demo.market", "property_company": "property@demo.market",
    "street_staff": "street@demo.market", "district_staff": "district@demo.market",
}
STRANGER_ROLES = {
    "other_purchaser": "purchaser2@world.market", "other_owner": "owner2@world.market",
    "other_worker": "worker2@world.market", "other_evaluator": "evaluator2@world.market",
    "other_incubator": "incubator2@world.market", "other_expert": "expert2@world.market",
    "other_resident": "resident2@world.market", "other_street_staff": "street2@world.market",
}


def build(world) -> None:
    admin = world.user("admin@demo.market")
    other_street = db.session.scalar(select(Street).filter_by(name="狮山街道"))
    other_community = db.session.scalar(select(Community).filter_by(street_id=other_street.id).order_by(Community.id))
    other_department = db.session.scalar(
        select(Department).where(Department.name != "姑苏区民政局").order_by(Department.id)
    )

    owner = world.person("owner2@world.market", "郑海燕")
    org = organizations.register_organization(owner, organizations.OrganizationData(
        name="苏州市虎丘区邻里守望志愿服务中心", credit_code=credit_code.make("5", "2", "320505", "WD000017"),
        org_type="social_service", registered_on=date(2019, 5, 20), registration_authority="苏州市虎丘区民政局",
        district_id=other_street.district_id, description="组织邻里志愿者为高龄老人开展探访和代购服务。",
        staff_count=6, volunteer_count=90, contact_phone="0512-66880017", category_ids=[], community_ids=[]))
    organizations.review_organization(admin, org, approve=True)
    world.notes["other_organization"] = org.id

    world.person("purchaser2@world.market", "钱国庆")
    world.grant("purchaser2@world.market", Role.PURCHASER, department_id=other_department.id)
    world.person("worker2@world.market", "冯晓燕")
    world.grant("worker2@world.market", Role.COMMUNITY_WORKER, community_id=other_community.id)
    world.person("evaluator2@world.market", "褚明")
    world.grant("evaluator2@world.market", Role.EVALUATOR, organization_id=org.id)
    world.person("incubator2@world.market", "卫红")
    world.grant("incubator2@world.market", Role.INCUBATOR_STAFF, organization_id=org.id)
    world.person("street2@world.market", "邵华")
    world.grant("street2@world.market", Role.STREET_STAFF, street_id=other_street.id)
    world.person("expert2@world.market", "蒋文")
    world.grant("expert2@world.market", Role.EXPERT)
    resident = world.person("resident2@world.market", "沈佳")
    worker = world.user("worker2@world.market")
    residence = accounts.request_residence(resident, other_community.id, "狮山路8号")
    db.session.commit()
    accounts.decide_residence(worker, residence.id, approve=True)
    db.session.commit()
    world.roles.update(DEMO_ROLES)
    world.roles.update(STRANGER_ROLES)
    world.notes["other_community"] = other_community.id
    world.notes["other_department"] = other_department.id
    assert db.session.scalar(select(Organization.status).where(Organization.id == org.id)) == "approved"


def signed_in_clients(world, language: str) -> dict:
    """A test client for anonymous and for each crawl role, signed in, reading in `language`."""
    app = world.app
    clients = {"anonymous": FormClient(app.test_client())}
    for role, email in sorted(world.roles.items()):
        client = FormClient(app.test_client())
        password = DEMO_PASSWORD if email.endswith("@demo.market") else WORLD_PASSWORD
        response = client.submit("/login", {"email": email, "password": password}, form_url="/login")
        assert response.status_code == 302, f"{role} could not sign in"
        clients[role] = client
    for client in clients.values():
        assert client.submit("/language", {"lang": language, "next": "/"}).status_code == 302
    return clients

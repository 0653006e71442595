"""One unit of work (market/core/unit.py): services never commit, except where a step must be on
record whatever happens next, under a name; a request commits once when it answers and keeps
nothing a refused step changed; a command commits when its block ends."""
import ast
import pathlib
import secrets

import pytest
from sqlalchemy import event, func, select

import market
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import unit
from market.core.once import FormReceipt
from market.core.unit import command
from market.extensions import db
from market.needs import moderation, needs
from market.needs.models import Need, NeedSupport
from market.organizations.models import ServiceCategory

MARKET = pathlib.Path(market.__file__).parent

# Every named commit in the services: (module, function, name). A new one is a decision: add it
# here and say why in unit.NAMED_COMMITS.
NAMED = {
    ("accounts/services.py", "authenticate", "KEPT_THOUGH_REFUSED"),
    ("api/services.py", "count_request", "SHARED_COUNT"),
    ("contracts/payment.py", "pay", "AROUND_PROVIDER_CALL"),
    ("contracts/payment.py", "pay", "KEPT_THOUGH_REFUSED"),
    ("money/payments.py", "onboarding_link", "AROUND_PROVIDER_CALL"),
    ("money/payments.py", "record_payment", "AROUND_PROVIDER_CALL"),
    ("money/payments.py", "refund", "AROUND_PROVIDER_CALL"),
    ("philanthropy/giving.py", "cancel_project", "AROUND_PROVIDER_CALL"),
}


def _owns_its_unit(path: pathlib.Path) -> bool:
    """Commands own their unit of work: the CLI modules, the demo seed, and the unit itself."""
    relative = path.relative_to(MARKET).as_posix()
    return path.name == "cli.py" or relative.startswith("demo/") or relative == "core/unit.py"


def _commits():
    """(module, function, what) of every commit call in the services."""
    found = []
    for path in sorted(MARKET.rglob("*.py")):
        if _owns_its_unit(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        enclosing = {}  # node -> its innermost function
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for node in ast.walk(function):
                enclosing[node] = function  # inner functions are walked later and win
        for node, function in enclosing.items():
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"):
                continue
            target = ast.unparse(node.func.value)
            if target == "unit":
                what = node.args[0].attr if node.args and isinstance(node.args[0], ast.Attribute) else "?"
            elif target.endswith("session") or target in ("connection", "conn"):
                what = f"{target}.commit()"
            else:
                continue  # a search index writer's commit, not the database's
            found.append((path.relative_to(MARKET).as_posix(), function.name, what))
    return set(found)


def test_services_commit_only_where_named():
    found = _commits()
    names = {name for name, value in vars(unit).items() if isinstance(value, str) and value in unit.NAMED_COMMITS}
    unnamed = sorted(c for c in found if c[2] not in names)
    assert unnamed == [], "a service commits: leave it to the request or the command, or name it in core/unit.py"
    assert found == NAMED


def test_a_named_commit_must_be_one_of_the_names(app):
    with command(app), pytest.raises(ValueError):
        unit.commit("because")


@pytest.fixture
def resident_and_need(app, make_user, places):
    author = make_user("author@example.cn", "张晓梅", community=places["community"])
    neighbour = make_user("neighbour@example.cn", "李建国", community=places["community"])
    with command(app):
        category = db.session.scalar(select(ServiceCategory.id).filter_by(code="elderly"))
        need = needs.post_need(db.session.get(User, author), needs.NeedData(
            "独居老人助餐服务", "希望社区食堂每天中午送餐上门给独居老人。", category, "normal", 20))
        need_id = need.id
    return author, neighbour, need_id


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _commits_during(app, send):
    with app.app_context():
        engine = db.engine
    seen = []

    def note(connection):
        seen.append(connection)

    event.listen(engine, "commit", note)
    try:
        response = send()
    finally:
        event.remove(engine, "commit", note)
    return response, len(seen)


def test_a_request_commits_once_when_it_answers(app, client, login, resident_and_need):
    _author, _neighbour, need_id = resident_and_need
    login("neighbour@example.cn")
    token = client.token(f"/needs/{need_id}")
    response, commits = _commits_during(app, lambda: client.post(
        f"/needs/{need_id}/support", data={"csrf_token": token, "once": secrets.token_hex(16)}))
    assert response.status_code == 302 and commits == 1
    with command(app):
        assert (_count(NeedSupport), _count(FormReceipt)) == (1, 1)  # the support and the form's receipt


def test_a_refused_request_keeps_nothing_it_changed(app, client, login, resident_and_need):
    _author, _neighbour, need_id = resident_and_need
    login("author@example.cn")  # supporting one's own need is refused by the service
    token = client.token(f"/needs/{need_id}")
    response = client.post(f"/needs/{need_id}/support", data={"csrf_token": token, "once": secrets.token_hex(16)},
                           follow_redirects=True)
    assert "您发布的需求" in response.get_data(as_text=True)
    with command(app):
        # The receipt was written before the service refused; the refusal took it back, so the
        # same form can be sent again once the reason is gone.
        assert (_count(NeedSupport), _count(FormReceipt)) == (0, 0)


def test_services_compose_into_one_command_that_keeps_all_or_nothing(app, resident_and_need, make_user, places):
    _author, neighbour, need_id = resident_and_need
    worker = make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]})
    with pytest.raises(RuntimeError), command(app):
        needs.support_need(db.session.get(User, neighbour), db.session.get(Need, need_id))
        moderation.hide(db.session.get(User, worker), "need", need_id, "重复发布")
        raise RuntimeError("the command fails after both steps")
    with command(app):
        need = db.session.get(Need, need_id)
        assert (need.support_count, need.is_hidden, _count(NeedSupport)) == (0, False, 0)
    with command(app):
        needs.support_need(db.session.get(User, neighbour), db.session.get(Need, need_id))
        moderation.hide(db.session.get(User, worker), "need", need_id, "重复发布")
    with command(app):
        need = db.session.get(Need, need_id)
        assert (need.support_count, need.is_hidden) == (1, True)

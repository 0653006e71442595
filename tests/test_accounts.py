import html
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from conftest import PASSWORD, FormClient
from market.accounts.models import LoginAttempt, Residence, User, UserSession
from market.accounts.roles import Role
from market.core import mail
from market.core.unit import command
from market.extensions import db


def register(client, **overrides):
    data = {"display_name": "张晓梅", "email": "xiaomei@example.cn", "password": PASSWORD,
            "confirm": PASSWORD, "accept": "y", **overrides}
    return client.submit("/register", data)


def test_register_creates_account_and_signs_in(client, app):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/residence")
    with command(app):
        user = db.session.scalar(db.select(User).filter_by(email="xiaomei@example.cn"))
        assert user.password_hash.startswith("scrypt:")  # never stored in clear
        assert user.check_password(PASSWORD)
    assert "张晓梅" in client.get("/").get_data(as_text=True)


def test_register_rejects_bad_input_with_messages_and_saves_nothing(client, app):
    page = register(client, email="not-an-address", password="short", confirm="other").get_data(as_text=True)
    assert "无效的 Email 地址" in page  # WTForms' own message, in Chinese by default
    assert "两次输入的密码不一致" in page
    with command(app):
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_register_refuses_weak_password(client, make_user):
    page = register(client, password="aaaaaaaaaaaa", confirm="aaaaaaaaaaaa").get_data(as_text=True)
    assert "密码过于简单" in page


def _answer(client, response):
    """What a registration answers: the response and the messages it leaves for the next page."""
    with client.session_transaction() as session:
        flashes = session.get("_flashes")
    return response.status_code, response.location, response.get_data(), flashes


def test_registering_a_known_address_answers_as_for_a_new_one_and_mails_the_owner(app, client, make_user):
    """Account enumeration: the page must not tell whether an address has an account."""
    owner_id = make_user("xiaomei@example.cn", "张晓梅")
    new = _answer(client, register(client, email="someone.new@example.cn"))
    stranger = FormClient(app.test_client())
    known = _answer(stranger, register(stranger, email="XiaoMei@Example.cn", display_name="冒名者",
                                       password="other-horse-99", confirm="other-horse-99"))
    assert known == new and new[:2] == (302, "/residence")
    with command(app):
        assert db.session.scalar(db.select(db.func.count(User.id))) == 2  # the owner and the new person
        owner = db.session.get(User, owner_id)
        assert owner.display_name == "张晓梅" and owner.check_password(PASSWORD)  # nothing changed
        assert not owner.check_password("other-horse-99")
        assert db.session.scalar(db.select(db.func.count(UserSession.id)).filter_by(user_id=owner_id)) == 0
    with app.test_request_context():
        (message,) = mail.outbox_messages()  # to the owner only: the new person gets no mail
    assert message["to"] == "xiaomei@example.cn"
    assert "http://localhost/login" in message["body"] and "http://localhost/password/forgot" in message["body"]
    assert stranger.get("/profile").status_code == 302  # the stranger is not signed in as the owner


COMMON = ("This password is one of the most common ones and is guessed first. "
          "Choose another, for example a few unrelated words.")


def _field_errors(page: str, field_id: str) -> list[str]:
    match = re.search(rf'<ul id="{field_id}-errors" class="errors">(.*?)</ul>', page, re.S)
    return [html.unescape(e) for e in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def _translated(app, message: str, locale: str = "zh") -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(locale):
        return gettext(message)


def test_common_passwords_are_refused_at_the_field(app, client):
    for password in ("password12", "Password123", "qwerty123", "PASSWORD", "iloveyou2026"):
        page = register(client, password=password, confirm=password).get_data(as_text=True)
        assert _field_errors(page, "password") == [_translated(app, COMMON)], password
    with command(app):
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_decent_passphrases_are_accepted(app, client):
    from market.accounts.services import password_problem

    with app.test_request_context():
        # The suite's, the demo's and the crawler's passwords too.
        for password in (PASSWORD, "Market-demo-2026", "world-Horse-42", "another-horse-77", "green-tea-2026",
                         "黄梅雨季的石板路上青苔", "violet kettle harbour"):
            assert password_problem(password) is None, password
    response = register(client, password="violet-kettle-harbour", confirm="violet-kettle-harbour")
    assert response.status_code == 302 and response.location == "/residence"


def test_new_passwords_are_checked_when_changed_or_reset_too(app, client, make_user, login):
    make_user("a@example.cn")
    login("a@example.cn")
    page = client.submit("/profile", {"pw-current_password": PASSWORD, "pw-password": "Qwerty12345",
                                      "pw-confirm": "Qwerty12345", "pw-submit": "1"}).get_data(as_text=True)
    assert _field_errors(page, "pw-password") == [_translated(app, COMMON)]
    client.submit("/logout", {})
    client.submit("/password/forgot", {"email": "a@example.cn"})
    link = _mailed_link(app)
    page = client.submit(link, {"password": "football2026", "confirm": "football2026"}).get_data(as_text=True)
    assert _field_errors(page, "password") == [_translated(app, COMMON)]
    with command(app):
        assert db.session.scalar(db.select(User).filter_by(email="a@example.cn")).check_password(PASSWORD)


def test_form_without_csrf_token_is_refused(client, app):
    response = client.post("/register", data={"display_name": "x", "email": "a@b.cn", "password": PASSWORD,
                                               "confirm": PASSWORD, "accept": "y"})
    assert response.status_code == 400
    with command(app):
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_login_and_logout(client, make_user, login):
    make_user("a@example.cn", "王五")
    login("a@example.cn")
    assert "王五" in client.get("/").get_data(as_text=True)
    client.submit("/logout", {})
    assert "王五" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client, make_user):
    make_user("a@example.cn")
    page = client.submit("/login", {"email": "a@example.cn", "password": "wrong-password-1"}).get_data(as_text=True)
    assert "邮箱或密码错误" in page
    unknown = client.submit("/login", {"email": "nobody@example.cn", "password": "wrong-password-1"})
    assert "邮箱或密码错误" in unknown.get_data(as_text=True)


def test_login_is_rate_limited_and_unlocks_with_time(client, make_user, frozen, app):
    make_user("a@example.cn")
    for _ in range(5):
        client.submit("/login", {"email": "a@example.cn", "password": "wrong-password-1"})
    page = client.submit("/login", {"email": "a@example.cn", "password": PASSWORD}).get_data(as_text=True)
    assert "失败次数过多" in page  # even the right password waits
    frozen.advance(minutes=16)
    assert client.submit("/login", {"email": "a@example.cn", "password": PASSWORD}).status_code == 302
    with command(app):
        # 5 failures and the success; the refused attempt while locked is not counted as a failure,
        # so waiting out the lock is enough.
        assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) == 6


def test_remember_me_sets_a_secure_long_cookie(client, make_user):
    make_user("a@example.cn")
    response = client.submit("/login", {"email": "a@example.cn", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_login_redirects_only_to_same_site(client, make_user):
    make_user("a@example.cn")
    response = client.submit("/login?next=https://evil.example/x", {"email": "a@example.cn", "password": PASSWORD},
                             form_url="/login")
    assert response.location == "/desk"  # a foreign next is dropped: the person lands on their desk


def _mailed_link(app) -> str:
    with app.test_request_context():
        (message,) = mail.outbox_messages()
    assert message["to"] == "a@example.cn" and "重置" in message["subject"]
    return re.search(r"http://localhost(/password/reset/\S+)", message["body"]).group(1)


def test_password_reset_by_mailed_link(client, make_user, app, login):
    make_user("a@example.cn")
    response = client.submit("/password/forgot", {"email": "a@example.cn"})
    assert response.status_code == 302
    link = _mailed_link(app)
    new = "another-horse-77"
    assert client.submit(link, {"password": new, "confirm": new}).status_code == 302
    login("a@example.cn", new)
    # The link works once.
    assert client.get(link).status_code == 302


def test_password_reset_link_expires(client, make_user, app, frozen):
    make_user("a@example.cn")
    client.submit("/password/forgot", {"email": "a@example.cn"})
    link = _mailed_link(app)
    frozen.advance(hours=3)
    response = client.get(link, follow_redirects=True)
    assert "重置链接无效或已过期" in response.get_data(as_text=True)


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client, app):
    page = client.submit("/password/forgot", {"email": "nobody@example.cn"}, follow_redirects=True)
    assert "重置链接" in page.get_data(as_text=True)
    assert not list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))


def test_changing_password_signs_out_other_sessions(app, make_user, login, client):
    make_user("a@example.cn")
    login("a@example.cn")
    other = FormClient(app.test_client())
    other.submit("/login", {"email": "a@example.cn", "password": PASSWORD})
    assert other.get("/profile").status_code == 200
    remembered = _remember_cookie(_signed_in_client(app, "a@example.cn", remember=True))
    new = "another-horse-77"
    response = client.submit("/profile", {"pw-current_password": PASSWORD, "pw-password": new, "pw-confirm": new,
                                          "pw-submit": "1"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this session stays
    assert other.get("/profile").status_code == 302  # the other one is signed out
    assert _with_cookie(app, "remember_token", remembered).get("/profile").status_code == 302  # and remembered ones


def _signed_in_client(app, email: str, remember: bool = False) -> FormClient:
    """Another browser, signed in."""
    other = FormClient(app.test_client())
    data = {"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert other.submit("/login", data).status_code == 302
    return other


def _remember_cookie(client) -> str:
    return client.get_cookie("remember_token").value


def _with_cookie(app, name: str, value: str) -> FormClient:
    """A browser that holds nothing but a copy of one cookie (as someone who captured it would)."""
    thief = FormClient(app.test_client())
    thief.set_cookie(name, value)
    return thief


def test_a_session_cookie_copied_before_signing_out_is_refused_afterwards(app, client, make_user, login):
    make_user("a@example.cn")
    login("a@example.cn")
    copied = client.get_cookie("session").value
    assert _with_cookie(app, "session", copied).get("/profile").status_code == 200  # the copy works meanwhile
    client.submit("/logout", {})
    assert client.get("/profile").status_code == 302
    assert _with_cookie(app, "session", copied).get("/profile").status_code == 302  # and not any more


def test_a_remember_cookie_copied_before_signing_out_is_refused_afterwards(app, client, make_user):
    make_user("a@example.cn")
    client = _signed_in_client(app, "a@example.cn", remember=True)
    copied = _remember_cookie(client)
    assert _with_cookie(app, "remember_token", copied).get("/profile").status_code == 200
    client.submit("/logout", {})
    assert _with_cookie(app, "remember_token", copied).get("/profile").status_code == 302


def test_remember_me_lasts_two_weeks_even_when_the_cookie_is_replayed(app, client, make_user, frozen):
    make_user("a@example.cn")
    response = client.submit("/login", {"email": "a@example.cn", "password": PASSWORD, "remember": "y"})
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    # Flask-Login dates the cookie by the real clock, not the suite's frozen one.
    assert abs(expires - datetime.now(timezone.utc) - timedelta(days=14)) < timedelta(hours=1)
    copied = _remember_cookie(client)
    frozen.advance(days=13)
    assert _with_cookie(app, "remember_token", copied).get("/profile").status_code == 200
    frozen.advance(days=2)  # the cookie has expired; sent anyway, it signs nobody in
    assert _with_cookie(app, "remember_token", copied).get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200  # a session signed in with the password stays


def test_sign_out_everywhere_ends_every_session_of_the_person(app, client, make_user, login):
    make_user("a@example.cn")
    make_user("b@example.cn")
    login("a@example.cn")
    laptop = _signed_in_client(app, "a@example.cn")
    phone = _remember_cookie(_signed_in_client(app, "a@example.cn", remember=True))
    someone_else = _signed_in_client(app, "b@example.cn")
    page = client.get("/profile").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/logout/everywhere".*?</form>', page, re.S).group(0)
    assert 'name="csrf_token"' in form and 'type="checkbox" name="confirmed" value="y" required' in form
    assert len(re.findall(r"<li>", page.split('data-test="sessions"')[1].split("</section>")[0])) == 3
    assert client.post("/logout/everywhere").status_code == 400  # no CSRF token: nothing happens
    assert laptop.get("/profile").status_code == 200
    response = client.submit("/logout/everywhere", {"confirmed": "y"}, form_url="/profile")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 302
    assert _with_cookie(app, "remember_token", phone).get("/profile").status_code == 302
    assert someone_else.get("/profile").status_code == 200  # only this person's sessions
    with command(app):
        assert db.session.scalar(db.select(db.func.count(UserSession.id)).where(UserSession.ended_at.is_(None))) == 1


def test_a_session_record_keeps_a_hashed_key_the_device_and_its_last_use(app, client, make_user, login, frozen):
    from market.accounts.services import summarize_user_agent
    from market.core import codes

    make_user("a@example.cn")
    wechat = {"User-Agent": "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/126.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.49"}
    client.submit("/login", {"email": "a@example.cn", "password": PASSWORD}, headers=wechat)
    cookie = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    with command(app):
        record = db.session.scalar(db.select(UserSession))
        assert record.user_agent == "WeChat · Android" and record.last_seen_at == record.created_at
        assert record.key_hash == codes.digest(cookie["_user_id"]) != cookie["_user_id"]  # only the hash is kept
    frozen.advance(minutes=20)
    assert "测试用户" in client.get("/", headers=wechat).get_data(as_text=True)
    with command(app):
        assert db.session.scalar(db.select(UserSession.last_seen_at)) == frozen.now()
    assert summarize_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                                "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1") == "Safari · iOS"
    assert summarize_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0") == "Edge · Windows"
    assert summarize_user_agent("curl/8.5.0") == "curl/8.5.0"


def test_profile_edit_and_validation(client, make_user, login, app):
    uid = make_user("a@example.cn")
    login("a@example.cn")
    page = client.submit("/profile", {"display_name": "", "phone": "abc", "locale": "en", "submit": "1"})
    assert page.status_code == 200
    with command(app):
        assert db.session.get(User, uid).display_name == "测试用户"
    client.submit("/profile", {"display_name": "新名字", "phone": "0512-6512 3456", "locale": "en", "submit": "1"})
    with command(app):
        user = db.session.get(User, uid)
        assert (user.display_name, user.phone, user.locale) == ("新名字", "0512-6512 3456", "en")
    assert "Your profile" in client.get("/profile").get_data(as_text=True)


def test_residence_verified_by_worker_of_that_community(client, make_user, login, app, places):
    make_user("worker@example.cn", roles={Role.COMMUNITY_WORKER: places["community"]})
    uid = make_user("resident@example.cn")
    login("resident@example.cn")
    client.submit("/residence", {"community_id": places["community"], "address_note": "3幢2单元", "submit": "1"})
    with command(app):
        residence = db.session.scalar(db.select(Residence).filter_by(user_id=uid))
        assert residence.status == "pending"
        rid = residence.id
    client.submit("/logout", {})
    login("worker@example.cn")
    assert "3幢2单元" in client.get("/worker/residents").get_data(as_text=True)
    client.submit(f"/worker/residents/{rid}", {"approve": "1", "reason": ""}, form_url="/worker/residents")
    with command(app):
        assert db.session.get(User, uid).is_verified_resident


def _worker_and_pending_resident(app, make_user, places, community_key):
    """A worker of the first community, and a resident waiting in `places[community_key]`."""
    from market.accounts import services

    make_user("worker@example.cn", roles={Role.COMMUNITY_WORKER: places["community"]})
    uid = make_user("resident@example.cn")
    with command(app):
        return services.request_residence(db.session.get(User, uid), places[community_key]).id


def test_worker_cannot_verify_outside_their_community(client, make_user, login, app, places):
    rid = _worker_and_pending_resident(app, make_user, places, "other_community")
    login("worker@example.cn")
    assert "resident@example.cn" not in client.get("/worker/residents").get_data(as_text=True)
    client.submit(f"/worker/residents/{rid}", {"approve": "1"}, form_url="/worker/residents")
    with command(app):
        assert db.session.get(Residence, rid).status == "pending"


def test_refusal_needs_a_reason(client, make_user, login, app, places):
    rid = _worker_and_pending_resident(app, make_user, places, "community")
    login("worker@example.cn")
    page = client.submit(f"/worker/residents/{rid}", {"refuse": "1", "reason": " "}, form_url="/worker/residents",
                         follow_redirects=True).get_data(as_text=True)
    assert "请说明拒绝的理由" in page
    client.submit(f"/worker/residents/{rid}", {"refuse": "1", "reason": "查无此人"}, form_url="/worker/residents")
    with command(app):
        residence = db.session.get(Residence, rid)
        assert (residence.status, residence.decision_reason) == ("rejected", "查无此人")


def test_one_time_code_verifies_once(client, make_user, login, app, places, frozen):
    make_user("worker@example.cn", roles={Role.COMMUNITY_WORKER: places["community"]})
    make_user("a@example.cn")
    make_user("b@example.cn")
    login("worker@example.cn")
    page = client.submit("/worker/codes", {"community_id": places["community"], "count": 2}).get_data(as_text=True)
    codes = re.findall(r"<code>([A-Z0-9]{8})</code>", page)
    assert len(codes) == 2
    client.submit("/logout", {})
    login("a@example.cn")
    client.submit("/residence", {"code-code": codes[0].lower(), "code-submit": "1"})
    with command(app):
        a = db.session.scalar(db.select(User).filter_by(email="a@example.cn"))
        assert a.is_verified_resident and a.residence.community_id == places["community"]
    client.submit("/logout", {})
    login("b@example.cn")
    page = client.submit("/residence", {"code-code": codes[0], "code-submit": "1"}).get_data(as_text=True)
    assert "验证码无效" in page
    frozen.advance(days=31)
    page = client.submit("/residence", {"code-code": codes[1], "code-submit": "1"}).get_data(as_text=True)
    assert "验证码无效" in page


def test_worker_cannot_issue_codes_for_another_community(client, make_user, login, places, app):
    make_user("worker@example.cn", roles={Role.COMMUNITY_WORKER: places["community"]})
    login("worker@example.cn")
    page = client.submit("/worker/codes", {"community_id": places["other_community"], "count": 2})
    assert "<code>" not in page.get_data(as_text=True)
    with command(app):
        from market.accounts import services
        from market.core.errors import PermissionDenied

        worker = db.session.scalar(db.select(User).filter_by(email="worker@example.cn"))
        try:
            services.issue_residence_codes(worker, places["other_community"], 1)
        except PermissionDenied:
            pass
        else:
            raise AssertionError("the service must refuse")


def test_role_pages_refuse_people_without_the_role(client, make_user, login):
    make_user("a@example.cn")
    login("a@example.cn")
    for url in ("/worker/residents", "/worker/codes", "/admin/users", "/organizations/review"):
        assert client.get(url).status_code == 403, url


def test_civil_affairs_grants_and_revokes_roles(client, make_user, login, app, places):
    make_user("admin@example.cn", roles={Role.CIVIL_AFFAIRS: None})
    uid = make_user("p@example.cn")
    login("admin@example.cn")
    none = {"community_id": 0, "department_id": 0, "organization_id": 0, "street_id": 0, "district_id": 0}
    page = client.submit(f"/admin/users/{uid}", {**none, "role": "purchaser"}).get_data(as_text=True)
    assert "该角色必须绑定到一个已有的部门" in page  # a purchaser acts for a department
    client.submit(f"/admin/users/{uid}", {**none, "role": "purchaser", "department_id": places["department"],
                                         "community_id": places["community"]})
    client.submit(f"/admin/users/{uid}", {**none, "role": "expert"})
    with command(app):
        user = db.session.get(User, uid)
        assert user.roles == [Role.RESIDENT, Role.PURCHASER, Role.EXPERT]
        assert user.department_ids() == {places["department"]}
        assert user.worker_community_ids() == set()  # the community given with it is ignored
        grant_id = next(g.id for g in user.grants if g.role == Role.PURCHASER)
    client.submit(f"/admin/grants/{grant_id}/revoke", {"user_id": uid}, form_url=f"/admin/users/{uid}")
    with command(app):
        assert db.session.get(User, uid).roles == [Role.RESIDENT, Role.EXPERT]


def test_development_outbox_shows_the_reset_mail_to_an_administrator_on_this_machine(client, make_user, login, app):
    make_user("a@example.cn", "王五")
    make_user("admin@example.cn", "管理员", roles={Role.CIVIL_AFFAIRS: None})
    client.submit("/password/forgot", {"email": "a@example.cn"})
    # Anybody else would read every reset link in it and take any account over.
    assert client.get("/dev/outbox").status_code == 404
    assert "/dev/outbox" not in client.get("/").get_data(as_text=True)
    login("a@example.cn")
    assert client.get("/dev/outbox").status_code == 404
    client.post("/logout", data={"csrf_token": client.token("/")})
    login("admin@example.cn")
    page = client.get("/dev/outbox").get_data(as_text=True)  # the test client comes from 127.0.0.1
    assert "重置您的 Market 密码" in page and "王五，您好" in page and "/password/reset/" in page
    assert "/dev/outbox" in client.get("/").get_data(as_text=True)
    # Last: from another address the session ends (strong session protection) and the page is not there.
    assert client.get("/dev/outbox", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def test_outbox_is_hidden_in_production(client, app):
    app.config["SHOW_DEV_OUTBOX"] = False
    try:
        assert client.get("/dev/outbox").status_code == 404
    finally:
        app.config["SHOW_DEV_OUTBOX"] = True


def test_many_addresses_from_one_ip_are_limited_too(client, make_user, frozen):
    """Guessing across many accounts from one address hits the per-IP limit (4 × the per-account one)."""
    make_user("a@example.cn")
    for i in range(20):
        client.submit("/login", {"email": f"guess{i}@example.cn", "password": "wrong-password-1"}, form_url="/login")
    page = client.submit("/login", {"email": "a@example.cn", "password": PASSWORD}).get_data(as_text=True)
    assert "失败次数过多" in page
    other_ip = client.submit("/login", {"email": "a@example.cn", "password": PASSWORD},
                             environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 302  # the account itself is not locked

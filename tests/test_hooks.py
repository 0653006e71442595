"""The session listeners and after-request hooks are registered in one place (market/hooks.py), in
the order it states, and nowhere else."""
from sqlalchemy.orm import Session

from market import hooks


def test_session_listeners_run_in_the_stated_order_and_are_all_stated(app):
    session = Session()
    stated = {listener for _name, listener in hooks.SESSION_LISTENERS}
    for name in {name for name, _listener in hooks.SESSION_LISTENERS} | {"after_flush", "before_commit",
                                                                          "after_commit", "after_rollback",
                                                                          "do_orm_execute", "before_flush"}:
        installed = [fn for fn in getattr(session.dispatch, name) if fn.__module__.startswith("market")]
        assert installed == [listener for event, listener in hooks.SESSION_LISTENERS if event == name], name
        assert set(installed) <= stated


def test_after_request_hooks_run_in_the_stated_order(app):
    runs = list(reversed(app.after_request_funcs[None]))
    assert runs[:-1] == hooks.after_request_hooks(app)
    assert runs[-1].__module__.startswith("flask_login")  # the remember cookie, set up by Flask-Login


def test_creating_another_app_adds_no_listener_twice(app):
    from market import create_app

    before = {name: list(getattr(Session().dispatch, name)) for name, _listener in hooks.SESSION_LISTENERS}
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    after = {name: list(getattr(Session().dispatch, name)) for name, _listener in hooks.SESSION_LISTENERS}
    assert before == after

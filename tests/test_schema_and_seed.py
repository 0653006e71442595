from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from market.core.unit import command
from market.demo.seed import DEMO_PASSWORD, seed_demo
from market.extensions import db
from market.search.models import include_object


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    """The suite's database was built by `flask db upgrade`; autogenerate must find nothing to add."""
    with command(app):
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": include_object})
            assert compare_metadata(context, db.metadata) == []


def _snapshot():
    snapshot = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def test_demo_seed_is_idempotent_and_complete(app):
    with command(app):
        people = seed_demo()
        first = _snapshot()
        seed_demo()
        assert _snapshot() == first  # running it twice changes nothing, not even timestamps
        from market.accounts.models import User
        from market.accounts.roles import Role
        from market.places.models import Community

        assert db.session.scalar(select(func.count(Community.id))) >= 300
        users = {u.email: u for u in db.session.scalars(select(User))}
        held = set().union(*(set(u.roles) for u in users.values()))
        assert held == set(Role)  # one ready account per role
        assert any(u.memberships and u.memberships[0].is_owner for u in users.values())
        assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
        assert users["resident@demo.market"].is_verified_resident
        assert len(people) == len(users)
        # Issue 6: a contract with a mid-term and a final evaluation, residents' and two-way ratings, a
        # last tranche cut by the final score; and a graded organization.
        from market.contracts.models import Contract
        from market.evaluation.models import DepartmentRating, Evaluation, Rating
        from market.procurement import undertakers

        evaluated = db.session.scalar(select(Contract).where(Contract.final_score_cp.is_not(None)))
        assert evaluated.status == "completed"
        kinds = {e.kind: e.status for e in db.session.scalars(select(Evaluation).filter_by(contract_id=evaluated.id))}
        assert kinds == {"mid_term": "published", "final": "published"}
        last = evaluated.milestones[-1]
        assert last.status == "paid" and 0 < last.payable_fen < last.amount_fen
        assert db.session.scalar(select(func.count(Rating.id)).filter_by(contract_id=evaluated.id)) == 6
        assert db.session.scalar(select(func.count(DepartmentRating.id)).filter_by(contract_id=evaluated.id)) == 2
        assert undertakers.current_grade(evaluated.organization_id) == 4
        # Issue 7: a round run from call to selection, gifts with a frozen match (one capped, the surplus
        # shared again), grant agreements paid in tranches; an incubator with a graduated cohort.
        from market.incubation import services as incubation
        from market.incubation.models import Incubator
        from market.money import ledger
        from market.philanthropy import closing, giving, rounds
        from market.philanthropy.models import Round

        round_ = db.session.scalar(select(Round).filter_by(status="midterm"))
        matches = {m.proposal_id: m for m in giving.frozen_matches(round_)}
        assert sum(m.match_fen for m in matches.values()) == rounds.fundings(round_)[1].amount_fen \
            + rounds.fundings(round_)[2].amount_fen
        assert [m.capped for m in matches.values()].count(True) == 1
        grants = closing.agreements(round_)
        assert len(grants) == 3 and [m.status for m in grants[0].milestones] == ["paid", "paid", "pending"]
        summary = closing.money_summary(round_)
        assert summary["in"] == summary["out"] + summary["held"] and summary["gifts"] > 0
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []
        assert db.session.scalar(select(Round).filter_by(status="call")).organization_id is not None
        rows = incubation.grantees(db.session.scalar(select(Incubator)))
        assert {r.incubation.status for r in rows} == {"admitted", "graduated"}
        assert any(r.grade for r in rows) and any(r.grants for r in rows) and any(r.behind for r in rows)


def test_demo_credit_codes_are_valid(app):
    from market.organizations import credit_code
    from market.organizations.models import Organization

    with command(app):
        seed_demo()
        codes = db.session.scalars(select(Organization.credit_code)).all()
        assert codes and all(credit_code.problem(c) is None for c in codes)

"""The ledger's invariants under generated sequences of operations (hypothesis).

Whatever order funding, awards, acceptances, payments, amendments and terminations come in,
every transaction balances, kept balances equal the sum of their entries, no budget goes
negative, no contract is paid more than its price and no milestone is paid twice."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.core.errors import ServiceError
from market.core.unit import command
from market.extensions import db
from market.money import ledger
from market.money import services as money
from market.money.models import Account, Entry, LedgerTransaction

DEPARTMENTS = (1, 2)
CONTRACTS = (1, 2, 3)
MILESTONES = (0, 1, 2)

operations = st.one_of(
    st.tuples(st.just("fund"), st.sampled_from(DEPARTMENTS), st.integers(1, 5_000_000)),
    st.tuples(st.just("award"), st.sampled_from(CONTRACTS), st.integers(1, 3_000_000)),
    st.tuples(st.just("accept"), st.sampled_from(CONTRACTS), st.sampled_from(MILESTONES)),
    st.tuples(st.just("pay"), st.sampled_from(CONTRACTS), st.sampled_from(MILESTONES)),
    st.tuples(st.just("amend"), st.sampled_from(CONTRACTS), st.integers(-2_000_000, 2_000_000)),
    st.tuples(st.just("end"), st.sampled_from(CONTRACTS), st.just(0)),
)


class Model:
    """What the contracts area knows: each contract's department, price and tranche amounts."""

    def __init__(self):
        self.contracts = {}  # id -> {"department", "price", "amounts", "accepted", "paid", "ended"}
        self.amendments = 0

    def apply(self, operation):
        kind, subject, value = operation
        if kind == "fund":
            money.ledger.transfer("appropriation", f"fund:{len(self.contracts)}:{self.amendments}:{value}:{subject}",
                                  ledger.account("department", subject, "appropriation"),
                                  ledger.account("department", subject, "budget"), value)
            self.amendments += 1
        elif kind == "award":
            if subject in self.contracts:
                return
            department = DEPARTMENTS[subject % 2]
            money.commit(money.budget(department), subject, value)
            third = value // 3
            self.contracts[subject] = {"department": department, "price": value, "accepted": set(), "paid": set(),
                                       "amounts": [third, third, value - 2 * third], "ended": False}
        else:
            contract = self.contracts.get(subject)
            if contract is None:
                return
            if kind == "accept" and not contract["ended"] and value not in contract["accepted"]:
                if contract["amounts"][value] > 0:
                    money.make_payable(subject, subject * 10 + value, contract["amounts"][value])
                contract["accepted"].add(value)
            elif kind == "pay" and value in contract["accepted"]:
                if contract["amounts"][value] > 0 and value not in contract["paid"]:
                    money.settle(subject, subject * 10 + value, contract["amounts"][value], "ref")
                contract["paid"].add(value)
            elif kind == "amend" and not contract["ended"]:
                open_ones = [i for i in MILESTONES if i not in contract["accepted"]]
                if not open_ones or contract["amounts"][open_ones[-1]] + value < 0:
                    return
                self.amendments += 1
                money.change_commitment(
                    money.budget(contract["department"]), subject, value, f"amend:{self.amendments}"
                )
                contract["amounts"][open_ones[-1]] += value
                contract["price"] += value
            elif kind == "end" and not contract["ended"]:
                money.release(money.budget(contract["department"]), subject, f"release:contract:{subject}")
                contract["ended"] = True


def check_invariants(model: Model):
    assert ledger.unbalanced_transactions() == []
    assert ledger.drifted_accounts() == []
    for account in db.session.scalars(db.select(Account)):
        if account.kind not in ledger.SOURCE_KINDS:
            assert account.balance_fen >= 0, account.code
    for contract_id, contract in model.contracts.items():
        paid = ledger.balance("contract", contract_id, "paid")
        assert paid <= contract["price"]
        assert paid == sum(contract["amounts"][i] for i in contract["paid"])
    paid_twice = db.session.execute(db.select(LedgerTransaction.milestone_id).where(LedgerTransaction.kind == "payment")
                                    .group_by(LedgerTransaction.milestone_id).having(db.func.count() > 1)).all()
    assert paid_twice == []
    # Money is neither made nor lost: the sources' negative balances equal everything else.
    assert db.session.scalar(db.select(db.func.coalesce(db.func.sum(Entry.amount_fen), 0))) == 0


def reset():
    db.session.rollback()
    for model in (Entry, LedgerTransaction, Account):
        db.session.execute(db.delete(model))
    db.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operations, min_size=1, max_size=25))
def test_invariants_hold_for_any_sequence_of_operations(app, sequence):
    with command(app):
        reset()
        model = Model()
        for operation in sequence:
            savepoint = db.session.begin_nested()
            try:
                model.apply(operation)
            except ServiceError:
                savepoint.rollback()  # refused (not enough budget): nothing of it may remain
            else:
                savepoint.commit()
            check_invariants(model)
        db.session.commit()
        reset()


def test_a_refused_posting_leaves_no_trace(app):
    with command(app):
        ledger.transfer("appropriation", "fund", ledger.account("department", 1, "appropriation"),
                        ledger.account("department", 1, "budget"), 1_000)
        db.session.commit()
        with pytest.raises(ledger.InsufficientFunds):
            money.commit(money.budget(1), 7, 1_001)
        db.session.rollback()
        assert ledger.balance("department", 1, "budget") == 1_000
        assert ledger.posted("commit:contract:7") is None


def test_posting_the_same_key_twice_moves_money_once(app):
    with command(app):
        ledger.transfer("appropriation", "fund", ledger.account("department", 1, "appropriation"),
                        ledger.account("department", 1, "budget"), 1_000)
        money.commit(money.budget(1), 7, 400)
        money.commit(money.budget(1), 7, 400)
        db.session.commit()
        assert ledger.balance("contract", 7, "committed") == 400
        assert ledger.balance("department", 1, "budget") == 600


def test_unbalanced_and_float_postings_are_refused(app):
    with command(app):
        budget = ledger.account("department", 1, "budget")
        source = ledger.account("department", 1, "appropriation")
        with pytest.raises(ValueError):
            ledger.post("x", "unbalanced", [ledger.Leg(source, -100), ledger.Leg(budget, 99)])
        with pytest.raises(TypeError):
            ledger.post("x", "float", [ledger.Leg(source, -1.5), ledger.Leg(budget, 1.5)])

import click
from flask.cli import AppGroup

from market.core.money import format_fen
from market.money import ledger, payments

money_cli = AppGroup("money", help="Check the ledger and compare it with the payment provider.")


@money_cli.command("reconcile")
def reconcile_command():
    """Compare settled payouts with the provider's transfers; exit 1 on any difference."""
    problems = [f"unbalanced transaction {t}" for t in ledger.unbalanced_transactions()]
    problems += [f"account balance differs from its entries: {code}" for code in ledger.drifted_accounts()]
    for d in payments.reconcile():
        problems.append(f"{d.kind}: {d.key} ledger={format_fen(d.ledger_fen) or '—'} "
                        f"provider={format_fen(d.provider_fen) or '—'}")
    for line in problems:
        click.echo(line)
    if problems:
        raise SystemExit(1)
    click.echo("The ledger balances and agrees with the provider.")

"""`flask audit verify`: check the whole hash chain; exit status 1 if anything is wrong."""
import click
from flask.cli import AppGroup

from market.audit import chain

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
@click.option("--expect", help="A head published earlier, as SEQ:HASH; the chain must still contain it.")
def verify_command(expect):
    """Check every event's hash, its link to the one before and the head."""
    count, problems = chain.verify()
    if expect and not problems:
        seq, _sep, expected_hash = expect.partition(":")
        found = chain.event_hash(int(seq)) if seq.isdigit() else None
        if found != expected_hash:
            problems.append(chain.Problem(int(seq) if seq.isdigit() else None,
                                          f"event {seq} no longer has the published hash {expected_hash[:12]}…"))
    for problem in problems:
        click.echo(f"BROKEN: {problem.message}", err=True)
    if problems:
        raise SystemExit(1)
    last = chain.head()
    click.echo(f"OK: {count} events, head {last.seq}:{last.hash}" if last else "OK: the log is empty")

"""Setting a store up and looking after it: `demo`, `init`, `admins`, `settings`, `doctor`.
"""

from __future__ import annotations

from datetime import date

import click

from cxtui.cli.common import (
    Failure,
    acting_user,
    db_option,
    echo_saved,
    example,
    open_store,
    options,
    utf8_text,
)
from cxtui.cli.group import cli, launch_tui


@cli.command(epilog=example("cxtui demo", "cxtui demo --no-tui --db /tmp/demo.json && cxtui scorecard --db /tmp/demo.json",
                             "cxtui demo --reset"))
@click.option("--no-tui", is_flag=True, help="Only create the demo store; do not open the TUI.")
@click.option("--reset", is_flag=True, help="Delete the demo store with every change made to it and create it "
              "afresh (asks first).")
@click.option("--yes", is_flag=True, help="With --reset: do not ask.")
@db_option
def demo(no_tui: bool, reset: bool, yes: bool) -> None:
    """Create a store holding a sample company (if absent), then open it.

    The demo store is reopened however it was changed; an empty store is filled; any other store
    is refused, so a team's data is never mixed with the sample.
    """
    from cxtui.demo.demo_store import NotADemoStore, is_demo, reset_demo, seed_demo

    store = open_store()
    if reset:
        if store.exists() and not is_demo(store):
            raise NotADemoStore(f"{store.path} is not a demo store; --reset deletes only the demo, and it was left alone")
        if store.exists() and not yes and not click.confirm(
                f"Delete the demo store at {store.path}, with every change made to it, and create it afresh?",
                err=True):
            raise Failure("nothing was deleted")
        reset_demo(store)
        created = True
    else:
        created = seed_demo(store)
    echo_saved(f"{'created the demo store at' if created else 'using the demo store at'} {store.path}")
    if not no_tui:
        launch_tui()


@cli.command(epilog=example("cxtui init", "cxtui init --db /srv/cx/store.json --group cx-leads",
                             "cxtui init --empty --db /tmp/blank.json"))
@click.option("--group", metavar="NAME", help="Unix group that shares the store (directory and files group-writable).")
@click.option("--empty", is_flag=True, help="Start without the standard customer metrics.")
@db_option
def init(group: str | None, empty: bool) -> None:
    """Create a store holding the standard customer metrics (NPS, CSAT, CES, retention, CLV).

    You become its first admin."""
    from cxtui.engine.starter_metrics import standard_metrics
    from cxtui.store import Store, sharing

    if group is not None:
        import grp

        try:
            grp.getgrnam(group)
        except KeyError:
            raise Failure(f"--group: no Unix group named {group!r}") from None
    store = Store.init(options().store_path, user=acting_user(), group=group)
    shared = f" shared with group {group}" if group else ""
    if empty:
        echo_saved(f"created an empty store at {store.path}{shared}")
    else:
        metrics = store.add_many(standard_metrics())
        echo_saved(f"created a store at {store.path}{shared} with the standard customer metrics: "
                   f"{', '.join(m.id for m in metrics)} (see them with 'cxtui export metrics')")
    if group:
        echo_saved(f"members of {group} can read and write it whatever their umask; its files now are:")
        for line in sharing.describe(store.layout):
            echo_saved(f"  {line}")


@cli.command(epilog=example("cxtui admins", "cxtui admins add omar", "cxtui admins remove kim"))
@click.argument("change", required=False, type=click.Choice(("add", "remove")))
@click.argument("login", required=False, callback=utf8_text)
@db_option
def admins(change: str | None, login: str | None) -> None:
    """List the store's admins, or (as an admin) add or remove one by login name."""
    import pwd

    from cxtui.models import Settings

    if (change is None) != (login is None):
        raise click.UsageError("give both: add|remove and a LOGIN (or neither, to list the admins)")
    store = open_store()
    current = store.settings()
    if change is None:
        click.echo("\n".join(current.admins) if current.admins else "no admins (the store's creator should be one)")
        return
    names = list(current.admins)
    if change == "add":
        if login in names:
            raise Failure(f"{login} is an admin already")
        names.append(login)
    else:
        if login not in names:
            raise Failure(f"{login} is not an admin; the admins are {', '.join(names)}")
        if names == [login]:
            raise Failure(f"{login} is the only admin; add another before removing them")
        names.remove(login)
    store.update(_validated_settings(Settings, current, admins=names))
    try:
        pwd.getpwnam(login)
    except KeyError:
        click.echo(f"note: no user {login} exists on this host (yet); cxtui knows users by their login name",
                   err=True)
    echo_saved(f"{'added' if change == 'add' else 'removed'} admin {login}; the admins are {', '.join(names)}")


SETTING_KEYS = ("weights.goals", "weights.incentives", "weights.delivery", "weights.conflicts",
                "penalties.high", "penalties.medium", "penalties.low")


@cli.command(context_settings={"ignore_unknown_options": True},  # a negative VALUE is refused by the model
             epilog=example("cxtui settings", "cxtui settings weights.goals 0.4 weights.delivery 0.2",
                             "cxtui settings penalties.high 30"))
@click.argument("pairs", nargs=-1, metavar="[KEY VALUE]...", callback=utf8_text)
@db_option
def settings(pairs: tuple[str, ...]) -> None:
    """Show the alignment weights and conflict penalties, or (as an admin) change them.

    The four weights (goals, incentives, delivery, conflicts) must sum to 1, so change two at once
    when moving weight between parts. A penalty is the points an open finding or flag of that
    severity takes off a department's conflict part (0-100)."""
    from cxtui.models import Settings

    if len(pairs) % 2:
        raise click.UsageError("give KEY VALUE pairs, e.g. weights.goals 0.4 weights.delivery 0.2")
    store = open_store()
    current = store.settings()
    shown = {f"weights.{k}": v for k, v in current.weights.model_dump().items()}
    shown.update({f"penalties.{k}": v for k, v in current.penalties.items()})
    if not pairs:
        for key in SETTING_KEYS:
            click.echo(f"{key:<20} {shown.get(key)}")
        return
    weights, penalties = current.weights.model_dump(), dict(current.penalties)
    changes = []
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        if key not in SETTING_KEYS:
            raise Failure(f"unknown setting {key!r}; the settings are {', '.join(SETTING_KEYS)}")
        part, name = key.split(".")
        (weights if part == "weights" else penalties)[name] = value
        changes.append(f"{key} {shown[key]} → {value}")
    store.update(_validated_settings(Settings, current, weights=weights, penalties=penalties))
    echo_saved("changed " + ", ".join(changes))


def _validated_settings(cls, current, **changes):
    """`current` with `changes`, validated as new input (model_copy would not check them)."""
    from pydantic import ValidationError

    from cxtui.models import describe_errors

    try:
        return cls.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise Failure(describe_errors(exc)[0]) from None


@cli.command(epilog=example("cxtui doctor", "cxtui doctor --db /srv/cx/store.json || echo 'store needs care'"))
@db_option
def doctor() -> None:
    """Check the store's files, references and permissions; exit 0 when it is sound."""
    store = open_store()
    if not store.exists():
        from cxtui.store import StoreMissing

        raise StoreMissing(store.path)
    problems = store.doctor(helper=True) + _engine_problems(store)
    for p in problems:
        click.echo(f"{p.level}: {' '.join(p.message.split())}", err=True)
    if any(p.level == "error" for p in problems):
        click.get_current_context().exit(1)
    click.echo(f"the store at {store.path} is sound" + (f" ({len(problems)} warning(s))" if problems else ""))


def _engine_problems(store) -> list:
    """Records the scorecard fails on (errors: everyone's scorecard is at stake) and records an input
    bound added after they were stored refuses (warnings: they load, but must be fixed to be edited).
    The store's own checks cannot run the engine, which sits above it."""
    from cxtui.engine.scorecard import engine_problems
    from cxtui.store import Problem, StoreError

    today = date.today()
    try:
        # What a scorecard of today reads (every reading as a model took 2.4 GB at a million);
        # store.doctor() has held every reading to the bounds in its pass over the files.
        problems = engine_problems(store.snapshot(as_of=today), today, readings=())
    except StoreError:
        return []  # store.doctor() has said why already
    return [Problem(level="error" if "scorecard fails" in line else "warning", message=line)
            for line in problems]

"""What every command shares: the store option and opening the store, argument parsing, the one
writer of listing rows (JSON, CSV or a table), and the `Failure` every error becomes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NoReturn

import click

DB_HELP = "The store file (default: $CXTUI_DB, else store.json in your user data directory)."


FORMATS = ("table", "csv", "json")


class Failure(click.ClickException):
    """The command could not do its work; the message is one line."""


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python does not complain again when it flushes at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def echo_saved(message: str) -> None:
    """Print what a command that changed the store did. A reader that went away (`cxtui import ... |
    true`) loses only the message: exiting 1 would tell a retrying script the change did not happen."""
    try:
        click.echo(message)
    except BrokenPipeError:
        silence_stdout()


def exit_with(code: int, message: str) -> NoReturn:
    from cxtui.runtime.describe import one_line

    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(dict)["db"] = value


def db_option(command):
    """`--db` after the command name too (`cxtui record nps 40 --db team.json`)."""
    return click.option("--db", metavar="PATH", expose_value=False, callback=_remember_db, help=DB_HELP)(command)


def options():
    """This run's options (runtime/options.py), read once per command from `--db` and the environment."""
    from cxtui.runtime.options import OptionError, Options

    obj = click.get_current_context().ensure_object(dict)
    if "options" not in obj:
        try:
            obj["options"] = Options.read(obj.get("db"))
        except OptionError as exc:
            raise Failure(str(exc)) from None
    return obj["options"]


def acting_user() -> str:
    """The login name to record: the real uid's. $CXTUI_USER names another only for root (a service
    account acting for a lead, recorded as "root as omar"); anyone else naming another is refused."""
    from cxtui.store import acting_identity

    return acting_identity(options().user, named_by="CXTUI_USER").user


def open_store():
    """The store the options name, acting as `acting_user()`."""
    from cxtui.store import Store

    chosen = options()
    extra = {} if chosen.lock_timeout is None else {"lock_timeout": chosen.lock_timeout}
    return Store(chosen.store_path, user=acting_user(), **extra)


def utf8_text(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse an argument that is not UTF-8 text. Python hands such bytes over as lone surrogates,
    which no store file, CSV or terminal can take, so they would fail later and less clearly."""
    for text in value if isinstance(value, tuple) else (value,):
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
                raise Failure(f"{name}: not valid UTF-8 text") from None
    return value


def parse_day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    from pydantic import TypeAdapter, ValidationError

    from cxtui.models import Day
    from cxtui.runtime.describe import describe

    try:
        return TypeAdapter(Day).validate_python(text)
    except ValidationError as exc:
        raise Failure(f"{option}: {describe(exc)}") from None


def department_id(store, text: str | None) -> str | None:
    if text is None:
        return None
    from cxtui.engine.resolve import resolve
    from cxtui.models import Department

    return resolve("department", text, store.list(Department))


def example(*lines: str) -> str:
    # \b keeps click from re-wrapping the example lines.
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def print_rows(what: str, rows: list[dict[str, Any]], columns: Sequence[str], day: date | None, fmt: str,
                table: Callable[[], None], *, dated: bool = True) -> None:
    """Rows of a listing command in `fmt`: JSON ({"as_of": day, what: rows}, no as_of unless
    `dated`), CSV of `columns` (formula-guarded, to stdout), or `table()` for the terminal."""
    if fmt == "json":
        import orjson

        payload = ({"as_of": day.isoformat() if day else None} if dated else {}) | {what: rows}
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    elif fmt == "csv":
        from cxtui.exchange import csv_files

        sys.stdout.flush()
        csv_files.write_stream(csv_files.render(list(columns), ([r[c] for c in columns] for r in rows), excel=False),
                             sys.stdout.buffer)
    else:
        table()

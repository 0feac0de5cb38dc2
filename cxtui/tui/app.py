"""The cxtui Textual application and the factory the CLI and the tests share.

The app owns the one `Store` and all store I/O: screens describe what to do as a function of the
store, the app runs it in a thread worker under a lock and answers with messages. The app also
owns the current `Board` (the scorecard data); screens watch it, so "attributes down, messages up".
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.message_pump import MessagePump
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from cxtui.store import presence
from cxtui.runtime.describe import describe, one_line, refusal
from cxtui.runtime.options import Options
from cxtui.store import StaleRecord, Store, acting_identity
from cxtui.tui.actions import actions_for, bindings
from cxtui.tui.read_model import Board
from cxtui.tui.jobs import Job, JobFailure, JobFinished, JobOwner
from cxtui.store.watch import Watcher
from cxtui.tui.messages import BoardLoaded, FilesChanged, PresenceSeen, StoreUnavailable

# How often the store's files are stat'ed for another process's commit (three stats, no read). The
# design promises a refresh within ~2 s; twenty leads recording at once on two cores measured up to
# 1.8 s with a 1 s poll (tests/test_twenty_leads_real.py), so the wait before looking is kept short.
POLL_INTERVAL = 0.5

# After a read of the store, the file watch waits this long before the next: as often as the poll
# looked, so the lock the writers wait for is held no more often than before the watch.
WATCH_GAP = POLL_INTERVAL

# Textual's palette commands that cxtui's own replace: Quit (q) and the keys panel (F1's help).
_REPLACED_BY_OURS = frozenset({"Quit", "Keys"})

# Actions that open a top-level screen; unavailable while a dialog is open or nothing is loaded.
_NAVIGATION = {"checkin", "conflicts", "home", "history", "meeting", "undo", "chain"}


class CxtuiApp(JobOwner, App[str | None]):
    """Its result is the problem that was on screen when the user quit (then `return_code` is 1)."""

    CSS_PATH = "app.tcss"
    TITLE = "cxtui"
    BINDINGS = bindings("app")
    SCOPE = "app"

    board: var[Board | None] = var(None, always_update=True)
    others: var[tuple[str, ...]] = var(())  # who else has the store open (see presence.py)

    def __init__(
        self,
        options: Options,
        *,
        as_of: date | None = None,
        poll_interval: float = POLL_INTERVAL,
        cursor_blink: bool = True,
        presence_interval: float = presence.BEAT_INTERVAL,
        on_started: Callable[[], None] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        # `cxtui serve --read-only`: every change refused, by key and by the store (read_only.py).
        self.read_only = read_only
        self.options = options
        self.store_path = options.store_path
        # Refused here, before any terminal is taken, when a non-root process asks for another name.
        self.identity = acting_identity(options.user)
        # None means "today", re-evaluated on every load so a session left open overnight rolls over.
        self.as_of: date | None = as_of
        self._launch_as_of = as_of
        self.poll_interval = poll_interval
        self.cursor_blink = cursor_blink
        self.export_dir = Path.cwd()
        self._store: Store | None = None
        self._io = threading.Lock()
        self._seq = itertools.count(1)
        self._applied_seq = 0
        self._polling = False
        self._look_due = False  # a look the file watch asked for is scheduled
        self._last_read = 0.0  # time.monotonic() when the last read of the store began
        self._unavailable = False
        self._problem: str | None = None  # what the problem screen shows, until a board loads again
        self._notified: set[str] = set()  # failures of background work already told, once each
        self.presence_interval = presence_interval
        self._heartbeat = presence.Heartbeat(self.store_path, self.identity.user)
        self._on_started = on_started
        # post_message is safe from the watcher's thread.
        self._watcher = Watcher(self.store_path, lambda: self.post_message(FilesChanged()))

    # --- lifecycle ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        from cxtui.tui.screens.scorecard import ScorecardScreen

        self.push_screen(ScorecardScreen())
        self.reload()
        # Another process's commit: the kernel tells the watcher at once; the poll is the fallback.
        self._watcher.start()
        self.set_interval(self.poll_interval, self._poll)
        self._beat()
        self.set_interval(self.presence_interval, self._beat)

    async def on_key(self, event: events.Key) -> None:
        """Esc followed quickly by a key (typed fast, or sent in one packet by a slow link) reaches
        a terminal program exactly as Alt+key does. cxtui binds no Alt key, so an Alt+letter that
        no widget took is what it most likely was: the screen's Esc, then the letter."""
        char = event.character
        if not (event.key.startswith("alt+") and char and len(char) == 1 and char.isalnum()):
            return
        event.stop()
        escape = self.screen.active_bindings.get("escape")
        if escape is not None and escape.enabled:
            await self.run_action(escape.binding.action, escape.node)
        await self.on_event(events.Key(char, char))

    def on_unmount(self) -> None:
        self._watcher.stop()
        self._heartbeat.leave()

    def on_files_changed(self, _message: FilesChanged) -> None:
        """Another process committed: look now, or once WATCH_GAP has passed since the last read.
        Each read holds the store's lock, which writers wait for: twenty leads committing at once
        must not turn into a read per commit in every open TUI."""
        if not self._look_due:
            self._look_due = True
            wait = self._last_read + WATCH_GAP - time.monotonic()
            if wait > 0:
                self.set_timer(wait, self._look)
            else:
                self.call_later(self._look)

    def _look(self) -> None:
        if self._polling:  # a check is running and may have read the files before the commit
            self.set_timer(WATCH_GAP / 5, self._look)
            return
        self._look_due = False
        self._poll()

    @property
    def effective_as_of(self) -> date:
        return self.as_of or date.today()

    @property
    def session_day(self) -> date:
        """The day this session is for (today, or the run's --as-of): a meeting is recorded on it,
        not on another date the scorecard is moved to."""
        return self._launch_as_of or date.today()

    # --- store I/O (thread workers; they never touch a widget) ---------------------------------------

    def _open(self) -> Store:
        if self._store is None:
            from cxtui.tui.read_only import REFUSAL

            extra = {} if self.options.lock_timeout is None else {"lock_timeout": self.options.lock_timeout}
            self._store = Store(self.store_path, user=self.identity.user, refuse_writes=REFUSAL if self.read_only else None,
                                **extra)
        return self._store

    def _load_now(self, reread: bool = True) -> None:
        """Read (or recompute) the board and post it. Call from a worker thread only."""
        self._last_read = time.monotonic()
        try:
            with self._io:
                store = self._open()
                seq = next(self._seq)
                # The snapshot holds what a scorecard at one date reads, so another date re-reads.
                if reread or self.board is None or self.board.as_of != self.effective_as_of:
                    token = store.change_token()
                    snapshot = store.snapshot(self.effective_as_of)
                else:
                    token, snapshot = self.board.token, self.board.snapshot
                board = Board.build(snapshot, self.effective_as_of, store.user, token)
        except Exception as exc:  # an unreadable file, RecursionError, MemoryError...: shown, never fatal
            self.post_message(StoreUnavailable(self._failure(exc).message))
            return
        self.post_message(BoardLoaded(board, seq))

    @work(thread=True, group="load", exit_on_error=False)
    def reload(self, reread: bool = True) -> None:
        """Refresh the board: re-read the store, or only recompute (another as-of date)."""
        self._load_now(reread)

    def _poll(self) -> None:
        if self._store is None or self._polling or self._unavailable:
            return
        self._polling = True
        self._check_for_changes()

    @work(thread=True, group="poll", exit_on_error=False)
    def _check_for_changes(self) -> None:
        try:
            token = self._store.change_token() if self._store else None
            if self.board is not None and token != self.board.token:
                self._load_now()
        finally:
            self._polling = False

    @work(thread=True, group="presence", exclusive=True, exit_on_error=False)
    def _beat(self) -> None:
        self._heartbeat.beat()
        self.post_message(PresenceSeen(tuple(presence.others(self.store_path, self._heartbeat))))

    def submit(self, owner: MessagePump, job: Job[Any]) -> None:
        """Run `job` in a worker; `owner` gets its completion (jobs.py)."""
        self._run(owner, job)

    @work(thread=True, group="jobs", exit_on_error=False)
    def _run(self, owner: MessagePump, job: Job[Any]) -> None:
        result: Any = None
        failure: JobFailure | None = None
        try:
            with self._io:
                result = job.run(self._open())
        except Exception as exc:
            failure = self._failure(exc)
        if failure is None and job.reload:
            self._load_now()
        owner.post_message(JobFinished(job, result, failure))

    def _failure(self, exc: Exception) -> JobFailure:
        """The one place a store job's exception becomes a JobFailure, in the CLI's words
        (runtime/describe.py); a job's ValueError is a refusal. Unexpected ones are raised again
        under CXTUI_DEBUG, so the worker fails and `on_worker_state_changed` shows the traceback."""
        words = refusal(exc, also=(ValueError,))
        if words is None and self.options.debug:
            raise exc
        return JobFailure(words or describe(exc), stale=isinstance(exc, StaleRecord), field=getattr(exc, "field", None))

    def store_unavailable(self, failure: JobFailure) -> None:
        """A read a screen needs failed: the store cannot be used now (the problem screen)."""
        self.post_message(StoreUnavailable(failure.message))

    # --- messages ---------------------------------------------------------------------------------

    def on_board_loaded(self, message: BoardLoaded) -> None:
        if message.seq < self._applied_seq:
            return  # an older read that finished late
        self._applied_seq = message.seq
        if self._unavailable:
            self._unavailable = False
            self._problem = None
            from cxtui.tui.screens.problem import ProblemScreen

            if isinstance(self.screen, ProblemScreen):
                self.screen.dismiss()
        self.board = message.board
        self.refresh_bindings()  # navigation keys depend on having a board
        self._started()

    def _started(self) -> None:
        """The first board, or why there is none, is on screen: call `on_started`, once."""
        callback, self._on_started = self._on_started, None
        if callback is not None:
            callback()

    def on_presence_seen(self, message: PresenceSeen) -> None:
        self.others = message.users

    def on_store_unavailable(self, message: StoreUnavailable) -> None:
        from cxtui.tui.screens.problem import ProblemScreen

        self._unavailable = True
        self._problem = message.problem
        if isinstance(self.screen, ProblemScreen):
            self.screen.problem = message.problem
        else:
            self.push_screen(ProblemScreen(message.problem))
        self._started()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed despite its own handling: without a board it is a start-up failure
        (the problem screen); otherwise, or for presence (a courtesy), the user is told once and the
        app carries on."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        if self.options.debug:  # CXTUI_DEBUG: end with the traceback instead of one line
            from rich.traceback import Traceback

            error = event.worker.error
            self.panic(Traceback.from_exception(type(error), error, error.__traceback__))
            return
        problem = describe(event.worker.error)
        if self.board is None and event.worker.group != "presence":
            self.post_message(StoreUnavailable(problem))
        elif problem not in self._notified:
            self._notified.add(problem)
            self.notify(problem, title="Something went wrong", severity="error")

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification, the screens' too: they carry user text and store errors naming files,
        so never markup, and control characters made visible."""
        super().notify(one_line(message), title=one_line(title), severity=severity, timeout=timeout, markup=False)

    async def action_quit(self) -> None:
        # Quitting while the store cannot be used is a failure: `cxtui` then exits 1 naming it.
        self.exit(self._problem, return_code=1 if self._problem else 0)

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every key, palette command and click runs its action here: a read-only session refuses
        the changing ones, saying why."""
        if self.read_only and isinstance(action, str):
            from textual.actions import parse

            from cxtui.tui.read_only import REFUSAL, refuses

            destination, name, _ = parse(action)
            node = {"app": self, "screen": self.screen}.get(destination, default_namespace or self)
            if refuses(getattr(node, "SCOPE", None), name):
                self.notify(REFUSAL, title="Read-only", severity="warning", timeout=8)
                return True  # handled: the key goes no further (to a screen binding the same action)
        return await super().run_action(action, default_namespace, namespaces)

    # --- navigation -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The command palette is a modal too, but its commands run once it has closed: navigation
        # must stay listed (and allowed) while it is open.
        dialog = isinstance(self.screen, ModalScreen) and not isinstance(self.screen, CommandPalette)
        if action in _NAVIGATION and (self.board is None or dialog):
            return False
        return True

    def _go(self, screen: Screen | None) -> None:
        """Show a top-level screen on top of the scorecard (never stacking screens endlessly)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if screen is not None:
            self.push_screen(screen)

    async def _show(self, screen: Screen) -> None:
        """_go to `screen` and wait until it has mounted: keys typed right after the one that opened
        it (one burst over a slow SSH link) wait in the app's queue meanwhile, and then reach the
        field the screen focused when it mounted instead of being dropped or landing elsewhere."""
        self._go(None)
        await self.push_screen(screen)

    def action_home(self) -> None:
        self._go(None)

    async def action_checkin(self) -> None:
        from cxtui.tui.screens.checkin import CheckinScreen

        await self._show(CheckinScreen())

    async def action_conflicts(self) -> None:
        from cxtui.tui.screens.conflicts import ConflictsScreen

        await self._show(ConflictsScreen())

    async def action_history(self) -> None:
        from cxtui.tui.screens.history import HistoryScreen

        await self._show(HistoryScreen())

    async def action_chain(self) -> None:
        from cxtui.tui.screens.chain import ChainScreen

        await self._show(ChainScreen())

    async def action_meeting(self) -> None:
        from cxtui.tui.screens.meeting import MeetingScreen

        await self._show(MeetingScreen())

    def action_undo(self) -> None:
        """Ctrl+Z: find the user's last change, ask, then undo exactly that change."""
        self.submit(self, Job(lambda store: store.last_change(), self._confirm_undo,
                              lambda failure: self.notify(failure.message, title="Undo", severity="error"),
                              reload=False))

    def _confirm_undo(self, entries: list) -> None:
        from cxtui.engine.changes import describe as describe_change
        from cxtui.tui.screens.dialogs import ConfirmScreen

        if not entries:
            self.notify("You have no change left to undo.", title="Undo")
            return
        more = f" (and {len(entries) - 1} more in the same change)" if len(entries) > 1 else ""
        tx = entries[0].tx
        undo = Job(lambda store: store.revert(tx),
                   lambda undone: self.notify(f"Undone: {describe_change(undone[0])}", title="Undo"),
                   lambda failure: self.notify(failure.message, title="Not undone", severity="error", timeout=10))
        self.push_screen(
            ConfirmScreen(f"Undo your last change, of {entries[0].at.strftime('%Y-%m-%d %H:%M')} UTC: "
                          f"{describe_change(entries[0])}{more}?", "Undo"),
            lambda yes: yes and self.submit(self, undo))

    def action_help(self) -> None:
        from cxtui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "SCOPE", "app")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists the registry's actions for the current screen."""
        scope = getattr(screen, "SCOPE", "app")
        own = {a.id for a in actions_for(scope)} - {a.id for a in actions_for("app")}
        seen: set[str] = set()
        for action in actions_for(scope):
            if action.description in seen:
                continue
            target = screen if action.id in own else self
            if target.check_action(action.action, ()) is False:
                continue
            seen.add(action.description)
            yield SystemCommand(
                f"{action.description} ({action.first_key})",
                action.help,
                lambda target=target, name=action.action: target.run_action(name),
            )
        # Then Textual's own (theme, screenshot, ...), less the two cxtui has its own of.
        yield from (c for c in super().get_system_commands(screen) if c.title not in _REPLACED_BY_OURS)


def create_app(options: Options, **settings: Any) -> CxtuiApp:
    """The app for a run's options; `settings` are `CxtuiApp`'s keyword arguments (`as_of=None`
    means today; `cursor_blink=False` makes screenshots stable; `on_started` is called once the
    first scorecard, or why the store cannot be read, is shown)."""
    return CxtuiApp(options, **settings)

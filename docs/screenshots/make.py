"""Make the README screenshots: the sample company on a fixed date, headless, as SVG.

    python docs/screenshots/make.py            # writes the SVGs next to this file

Each shot runs the real app (`create_app`) with `run_test` at a fixed terminal size, presses the
keys a user would, waits for the app's workers (never a sleep), and saves `app.save_screenshot`.
The store is a temporary copy of the sample company; user "kim" leads Sales.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from cxtui.demo.sample_company import ANCHOR, load_sample
from cxtui.store import Store
from cxtui.runtime.options import Options
from cxtui.tui.app import create_app

HERE = Path(__file__).resolve().parent
USER = "kim"

# file name, terminal size, keys pressed after the scorecard has loaded
SHOTS = [
    ("scorecard-120x40.svg", (120, 40), []),
    ("checkin-80x24.svg", (80, 24), ["c", *"1432", "enter", "8", "enter", *"Two big renewals"]),
    ("conflicts-80x24.svg", (80, 24), ["x"]),
]


def sample_store(path: Path) -> Path:
    """A store holding the sample company (parents before the records that name them)."""
    sample = load_sample()
    store = Store.init(path, user=USER)
    store.add_many([*sample.departments, *sample.metrics, *sample.objectives, *sample.goals,
                    *sample.incentives, *sample.tensions, *sample.flags, *sample.readings])
    return path


async def settle(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(store_path: Path, name: str, size: tuple[int, int], keys: list[str], out: Path) -> Path:
    app = create_app(Options(store_path=store_path, user=USER), as_of=ANCHOR, poll_interval=3600, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
        await settle(app, pilot)
        return Path(app.save_screenshot(filename=name, path=str(out)))


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store_path = sample_store(Path(tmp) / "store.json")
        for name, size, keys in SHOTS:
            print(await shoot(store_path, name, size, keys, out))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))

"""The README's "Using it" block runs top to bottom, as written, on a new store."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def using_it_block() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Using it\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Using it section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_using_it_block_runs_as_written_on_a_fresh_store(tmp_path):
    lines = using_it_block()
    assert lines[0].startswith("cxtui init")
    # The last line opens the TUI, which needs a terminal; every other line runs as written.
    runnable = [line for line in lines if line.split("#")[0].strip() != "cxtui"]
    assert len(runnable) == len(lines) - 1
    bin_dir = Path(sys.executable).parent
    script = "set -eu\n" + "\n".join(runnable) + "\n"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stderr.count("error:") == 0
    assert "recorded nps = 31" in done.stdout
    assert "is sound" in done.stdout
    assert "nps,,20" in (tmp_path / "readings.csv").read_text()

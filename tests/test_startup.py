"""A fast start: ``import summarizer``, ``summarize --help`` and an offline run import no openai, instructor or
httpx, and --help not even the numbers grammar. Each case runs in a fresh interpreter and lists what it
imported; a replayed run, which does need the client, is the control. (How long they take is measured in
bench/, never asserted here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import child_env

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini" / "mini_report.txt"
CASSETTES = ROOT / "tests" / "cassettes" / "corpus"
LLM_LIBS = ("openai", "instructor", "httpx", "httpx2")

PROBE = """
import json, sys
what, listing = sys.argv[1], sys.argv[2]
if what == "import":
    import summarizer
else:
    from summarizer.cli import main
    sys.argv = ["summarize", *sys.argv[3:]]
    try:
        main()
    except SystemExit:
        pass
with open(listing, "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""


def imported(tmp_path: Path, what: str, *args: str) -> set[str]:
    listing = tmp_path / "modules.json"
    run = subprocess.run(
        [sys.executable, "-c", PROBE, what, str(listing), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(tmp_path / "cache"),
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return set(json.loads(listing.read_text()))


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    ("what", "args"),
    [
        ("import", ()),
        ("cli", ("--help",)),
        ("cli", (str(MINI), "--backend", "offline")),
        ("cli", (str(MINI), "--backend", "offline", "--format", "md")),
    ],
    ids=["import", "help", "offline-run", "offline-markdown"],
)
def test_no_llm_client_is_imported(tmp_path: Path, what: str, args: tuple[str, ...]) -> None:
    modules = imported(tmp_path, what, *args)
    assert "summarizer" in modules
    assert roots(modules) & set(LLM_LIBS) == set()


def test_help_imports_no_pipeline_step(tmp_path: Path) -> None:
    modules = imported(tmp_path, "cli", "--help")
    assert {"summarizer.numbers", "summarizer.api", "summarizer.clean", "pydantic"} & modules == set()


def test_a_replayed_run_does_import_the_client(tmp_path: Path) -> None:
    modules = imported(tmp_path, "cli", str(MINI), "--backend", "replay", "--cassettes", str(CASSETTES))
    assert {"openai", "instructor"} <= roots(modules)

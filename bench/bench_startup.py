"""Start-up: whole-process time of the commands a user waits for, over repeated runs (min / median / max).

    python bench/bench_startup.py                                # 20 runs of each case
    python bench/bench_startup.py --runs 30 --baseline /tmp/base # the same commands with another checkout's
                                                                 # package first on PYTHONPATH, run in turn

Cases: ``summarize --help``, ``summarize FILE --backend offline`` (one report, JSON to a pipe) and
``python -c "import summarizer"``. Each run is a fresh process; wall time is read around it, CPU time (user +
system) from the operating system's accounting of the finished child. With ``--baseline`` the two sides run
alternately (A B A B ...), so a machine whose load drifts during the call weighs on both alike.

The package is byte-compiled first (``compileall``), as ``pip install`` leaves it: a shell with
``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every module from source on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, core_reference, machine_line

REPORT = ROOT / "tests" / "data" / "xianning_city_2020h1.txt"
ENTRY = "import sys; from summarizer.cli import main; sys.argv[0] = 'summarize'; main()"
CASES = {
    "summarize --help": [sys.executable, "-c", ENTRY, "--help"],
    "summarize REPORT --backend offline": [sys.executable, "-c", ENTRY, str(REPORT), "--backend", "offline"],
    "import summarizer": [sys.executable, "-c", "import summarizer"],
}


def once(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(values: list[float]) -> str:
    return f"{min(values):6.3f} {statistics.median(values):6.3f} {max(values):6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="a checkout whose summarizer/ to run as B")
    args = parser.parse_args()

    sides = {"A": ROOT}
    if args.baseline is not None:
        sides["B"] = args.baseline.resolve()
    for root in sides.values():
        compileall.compile_dir(str(root / "summarizer"), quiet=1)
    cwd = tempfile.mkdtemp(prefix="bench-startup-")  # no summarizer/ here: PYTHONPATH decides which is run
    cache = tempfile.mkdtemp(prefix="bench-startup-cache-")
    envs = {}
    for side, root in sides.items():
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
        env.update(PYTHONPATH=str(root), SUMMARIZER_CACHE_DIR=cache)
        envs[side] = env

    print(machine_line())
    print(core_reference().line())
    print(f"{args.runs} runs per case and side after {args.warmup} warm-up; seconds: min median max")
    for name, command in CASES.items():
        walls: dict[str, list[float]] = {side: [] for side in sides}
        cpus: dict[str, list[float]] = {side: [] for side in sides}
        for n in range(args.warmup + args.runs):
            for side in sides:
                wall, cpu = once(command, envs[side], cwd)
                if n >= args.warmup:
                    walls[side].append(wall)
                    cpus[side].append(cpu)
        for side in sides:
            label = f"{name} [{side}]" if len(sides) > 1 else name
            print(f"{label:<44} wall {spread(walls[side])}   cpu {spread(cpus[side])}")


if __name__ == "__main__":
    main()

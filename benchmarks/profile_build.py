#!/usr/bin/env python3
"""Where a cold build's time goes, by stage, in the build process and in every worker.

    python3 benchmarks/profile_build.py [N] [--rate 100] [--top 25]      (default N: 10000)

Samples a cold build of a synthetic corpus (../shared/bench/gen_corpus.py) with py-spy
(`pip install py-spy`; `--subprocesses` follows the forked workers), then prints each process's
share of the samples and, within it, the costs by stage: the last frame in sitegen/build.py and the
call it was making (in a worker: the first sitegen call below the worker's entry, and the one below).
py-spy samples from outside without slowing the build (pyinstrument's hooks inflate call-heavy code
such as tagging several times); shares of samples, not seconds, are what to compare, since a busy
machine makes py-spy skip samples. The raw stacks are kept for flame graphs (--keep).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import GEN_CORPUS, REPO  # noqa: E402

FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^:]*):(?P<line>\d+)\)$")


def frame_label(frame: str) -> tuple[str, str]:
    """(function, 'file.py:line') of one py-spy frame."""
    m = FRAME.match(frame)
    return (m["name"], f"{Path(m['file']).name}:{m['line']}") if m else (frame, "")


def in_sitegen(frame: str) -> bool:
    return "sitegen/" in frame and "__main__" not in frame


def worker_entry(frames: list[str]) -> str:
    """What a forked worker was started to run: the first call below the pool's worker loop."""
    pool = [i for i, f in enumerate(frames) if "multiprocessing/" in f or "concurrent/futures/" in f]
    return frame_label(frames[pool[-1] + 1])[0] if pool and pool[-1] + 1 < len(frames) else "idle"


def stage_of(frames: list[str], worker: bool) -> str:
    """The stage a sample belongs to, read from its stack (outermost frame first)."""
    if not frames:
        return "(no Python frame: interpreter start-up, exit, or a native wait)"
    if worker:
        pool = [i for i, f in enumerate(frames) if "multiprocessing/" in f or "concurrent/futures/" in f]
        below = frames[pool[-1] + 1:] if pool else frames
        return " > ".join(frame_label(f)[0] for f in below[1:4]) or "(worker loop and queues)"
    builds = [i for i, f in enumerate(frames) if "sitegen/build.py" in f]
    if not builds:
        return "other thread or start-up: " + frame_label(frames[min(len(frames) - 1, 1)])[0]
    at = builds[-1]
    name, where = frame_label(frames[at])
    called = frame_label(frames[at + 1])[0] if at + 1 < len(frames) else "(itself)"
    return f"{where} {called}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", nargs="?", type=int, default=10000)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="copy py-spy's raw stacks here")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists() and not shutil.which("py-spy"):
        raise SystemExit("py-spy is missing: pip install py-spy")
    with tempfile.TemporaryDirectory(prefix="sitegen-profile-") as work:
        corpus, site, raw = Path(work) / "corpus", Path(work) / "site", Path(work) / "stacks.txt"
        subprocess.run([sys.executable, str(GEN_CORPUS), str(args.papers), str(corpus), "--forms", "raw"], check=True, capture_output=True)
        (site / "content").mkdir(parents=True)
        shutil.copytree(corpus / "raw", site / "content" / "lists")
        shutil.copy(REPO / "content" / "taxonomy.yml", site / "content")
        subprocess.run([py_spy, "record", "--subprocesses", "--rate", str(args.rate), "--format", "raw", "-o", str(raw), "--",
                        sys.executable, "-m", "sitegen", "build", "-q"], cwd=site, check=True, capture_output=True)
        if args.keep:
            shutil.copy(raw, args.keep)
        by_process: Counter[str] = Counter()
        by_stage: dict[str, Counter[str]] = {}
        for line in raw.read_text().splitlines():
            stack, count = line.rsplit(" ", 1)
            all_frames = stack.split(";")
            depth = sum(f.startswith("process ") for f in all_frames)
            frames = [f for f in all_frames if not f.startswith("process ")]
            worker = depth > 1
            role = "build process"
            if worker:
                role = f"worker ({worker_entry(frames)})"
            by_process[role] += int(count)
            by_stage.setdefault(role, Counter())[stage_of(frames, worker)] += int(count)
    total = sum(by_process.values())
    print(f"py-spy, cold build of {args.papers} papers, {total} samples at {args.rate}/s\n")
    for role, samples in by_process.most_common():
        print(f"## {role}: {samples / total:.1%} of all samples\n")
        for stage, n in by_stage[role].most_common(args.top):
            print(f"- {n / samples:6.1%}  {stage}")
        print()


if __name__ == "__main__":
    main()

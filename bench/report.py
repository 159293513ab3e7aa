"""The one results table of ``make bench``: every benchmark records its lines here, ``python -m bench``
writes them to ``bench/report.md``.

Each benchmark runs in a process of its own (peak memory is per process); :func:`record` prints a line
and, when ``BENCH_RESULTS`` names a file, appends it there as JSON for the report.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


def scaled(size: int) -> int:
    """A default data size times ``BENCH_SCALE`` (default 1; e.g. 0.1 for a quick trial run)."""
    return max(1, round(size * float(os.environ.get("BENCH_SCALE", "1"))))


@dataclass
class Line:
    measure: str
    goal: str
    result: str
    ok: bool


def record(measure: str, goal: str, result: str, ok: bool) -> bool:
    line = Line(measure, goal, result, bool(ok))
    print(f"{'PASS' if line.ok else 'FAIL'}  {measure}: {result} (goal: {goal})", flush=True)
    if path := os.environ.get("BENCH_RESULTS"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(line)) + "\n")
    return line.ok


def lines_read(path: Path) -> list[Line]:
    if not path.exists():
        return []
    return [Line(**json.loads(text)) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_write(path: Path, lines: list[Line], *, heading: str) -> None:
    rows = [f"| {_cell(line.measure)} | {_cell(line.goal)} | {_cell(line.result)} | {'pass' if line.ok else 'FAIL'} |"
            for line in lines]
    path.write_text("\n".join([f"# Benchmarks\n\n{heading}\n", "| measure | goal | result | pass/fail |",
                               "| --- | --- | --- | --- |", *rows, ""]), encoding="utf-8")

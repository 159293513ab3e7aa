"""``make bench``: every benchmark, each in a process of its own (``python -m bench``); writes the one
table of results to ``bench/report.md`` and fails if any line misses its goal (or a benchmark breaks)."""

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Line, lines_read, report_write

# (module, database): None is DATABASE_URL's (PostgreSQL); "sqlite" a scratch file, the zero-set-up database.
BENCHMARKS = [("bench.bench_bounded", None), ("bench.bench_import", None), ("bench.bench_import", "sqlite"),
              ("bench.bench_accreditation", None), ("bench.bench_refresh", None), ("bench.bench_pages", None)]
REPORT = Path(__file__).with_name("report.md")

if __name__ == "__main__":
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch) / "results.jsonl"
        lines: list[Line] = []
        for module, database in BENCHMARKS:
            env = {**os.environ, "BENCH_RESULTS": str(results)}
            if database == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
            run = subprocess.run([sys.executable, "-m", module], check=False, env=env)
            if run.returncode and not any(not line.ok for line in lines_read(results)[len(lines):]):
                # Broke before recording a miss: say so in the table rather than lose it.
                with results.open("a", encoding="utf-8") as out:
                    out.write(f'{{"measure": "{module}", "goal": "runs", "result": "exit status {run.returncode}", '
                              f'"ok": false}}\n')
            lines = lines_read(results)
        minutes = (time.perf_counter() - start) / 60
        report_write(REPORT, lines, heading=(
            f"`make bench` on PostgreSQL, {os.cpu_count()} CPUs ({platform.machine()}), Python "
            f"{platform.python_version()}; whole run {minutes:.1f} min, load average at the end "
            f"{os.getloadavg()[1]:.1f} (5 min; other work on the machine slows wall times). Ratios and medians side by side; "
            f"see the README's Benchmarks section for what each line measures."))
    print(f"\nWrote {REPORT}")
    sys.exit(0 if lines and all(line.ok for line in lines) else 1)

"""``make bench``: every benchmark, in turn (``python -m bench``); fails if any misses its aim."""

import subprocess
import sys

from bench import bench_accreditation, bench_import

if __name__ == "__main__":
    # The bounded-cost benchmarks first, in a process of their own: the learners they make (and remove
    # again) neither meet the import's learners nor count in its peak memory.
    failed = subprocess.run([sys.executable, "-m", "bench.bench_bounded"], check=False).returncode != 0
    for bench in (bench_import, bench_accreditation):
        try:
            bench.main()
        except SystemExit as exit:
            failed |= bool(exit.code)
    sys.exit(1 if failed else 0)

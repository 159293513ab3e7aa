"""``make bench``: every benchmark, in turn (``python -m bench``); fails if any misses its aim."""

import sys

from bench import bench_accreditation, bench_import

if __name__ == "__main__":
    failed = False
    for bench in (bench_import, bench_accreditation):
        try:
            bench.main()
        except SystemExit as exit:
            failed |= bool(exit.code)
    sys.exit(1 if failed else 0)

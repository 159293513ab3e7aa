"""``make bench``: every benchmark, in turn (``python -m bench``)."""

from bench import bench_import

if __name__ == "__main__":
    bench_import.main()

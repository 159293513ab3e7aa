"""Peak memory of checking one uploaded CSV file (the preview job), measured in a process of its own.

    DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=... DATABASE_URL=sqlite:////tmp/check.sqlite3 \\
        python -m bench.check_memory [--wide] [--uploads 3]

The parent migrates the scratch database and stores a generated file as an upload would (a 50 MB file
of 200,000 full rows; with ``--wide`` a header and one row of millions of cells), ``--uploads`` times;
a child process then runs their check jobs at once, a thread each (as a worker's threads or
``JOBS_LOCAL_THREADS`` would), and reports its resident memory before the check and its peak (``VmHWM``: unlike
``ru_maxrss``, it does not count the parent's memory the child shared before its ``exec``).
"""

import argparse
import random
import subprocess
import sys
import threading
import time

import django

from bench.bench_import import FIRST_NAMES, HEADER, LAST_NAMES

ROWS, TARGET_BYTES = 200_000, 50 * 1024 * 1024


def generate_full(rows: int = ROWS) -> bytes:
    """Every column filled, padded to about 50 MB in all (Dutch Excel style); one emoji makes Python hold
    the whole text at four bytes a character."""
    rnd = random.Random(rows)
    pad = "x" * (TARGET_BYTES // rows - 207)
    lines = [";".join(HEADER)]
    for n in range(rows):
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        login = f"check.{n}"
        lines.append(";".join([
            rnd.choice("MF"), "drs.", f"C-{n:06d}", first, "van", last, login, "Geheim123!", "1", "0",
            f"{login}@example.org", first[0], f"Verpleegkundige {pad}" if n else "Verpleegkundige 🙂",
            f"Ziekenhuis {n % 50}",
            f"{rnd.randint(1, 28):02d}-{rnd.randint(1, 12):02d}-{rnd.randint(1950, 2000)}", "020 123 4567",
            "+31 6 1234 5678", f"Dorpsstraat {n % 300 + 1}", "1234 AB", "Utrecht", "NL", f"52/{n:06d}"]))
    return ("\r\n".join(lines) + "\r\n").encode()


def generate_wide() -> bytes:
    """A header, then one row of a cell per separator up to the size limit."""
    header = ",".join(HEADER).encode() + b"\r\n"
    return header + b"Jan,Vries,jan" + b"," * (TARGET_BYTES - len(header) - 20) + b"\r\n"


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:")) / 1024


def store(data: bytes) -> int:
    """The upload as ``learner_import_upload`` stores it, with its check job created but not run."""
    from portal.imports.models import LearnerImport, LearnerImportChunk
    from portal.jobs import job_create

    learner_import = LearnerImport.objects.create(file_name="check.csv")
    size = LearnerImportChunk.SIZE
    LearnerImportChunk.objects.bulk_create(
        LearnerImportChunk(learner_import=learner_import, number=n, data=data[start:start + size])
        for n, start in enumerate(range(0, len(data), size)))
    learner_import.preview_job = job_create(kind="learner_import_preview", title="check", user=None, total=0,
                                            params={"learner_import_id": learner_import.pk},
                                            correlation_id=learner_import.correlation_id)
    learner_import.save(update_fields=["preview_job"])
    return learner_import.preview_job.pk


def check(job_ids: list[int]) -> None:
    from django.db import connections

    from portal.jobs import job_run_now

    def run(job_id: int) -> None:
        try:
            job = job_run_now(job_id)
            print(f"job {job_id}: {time.perf_counter() - start:.1f} s; {job.status}: "
                  f"{job.error or job.result.get('summary')}")
        finally:
            connections.close_all()

    before = rss_mb()
    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=[job_id]) for job_id in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"checks: {time.perf_counter() - start:.1f} s; RSS before {before:.0f} MB, peak {rss_mb('VmHWM'):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wide", action="store_true", help="one row of millions of cells")
    parser.add_argument("--uploads", type=int, default=1, help="files checked at once")
    parser.add_argument("--jobs", type=int, nargs="*", help=argparse.SUPPRESS)  # the child: run these jobs
    args = parser.parse_args()
    django.setup()
    if args.jobs:
        check(args.jobs)
        return
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    data = generate_wide() if args.wide else generate_full()
    print(f"file: {len(data) / 1024 / 1024:.1f} MB")
    job_ids = [store(data) for _upload in range(args.uploads)]
    del data
    subprocess.run([sys.executable, "-m", "bench.check_memory", "--jobs", *map(str, job_ids)], check=True)


if __name__ == "__main__":
    main()

"""Benchmark of the CSV learner import: preview + import of a generated file, timed, with the
process's peak memory, against django-import-export importing the same file into the same model.

    DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=... DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python -m bench.bench_import --rows 100000

Use a scratch database: the benchmark migrates it first, and the learners it imports stay
(each run uses new ExternalIDs, so runs do not disturb each other). django-import-export is
timed first, on the first rows of the same file (preview = its dry run, then the import) inside
a transaction that is rolled back, and its time is extrapolated per row. Run with DEBUG off.
"""

import argparse
import csv
import io
import random
import resource
import time

import django

from bench.report import record, scaled

HEADER = ["Gender", "Title", "ExternalID", "FirstName", "MiddleName", "LastName", "Login", "Password",
          "ForcePasswordChange", "Renewable", "Email", "Initials", "Function", "Company", "DateOfBirth",
          "TelephoneNumber", "CellPhoneNumber", "Address", "Zip", "Residence", "Country", "Custom1"]
FIRST_NAMES = ["Jan", "Piet", "Anna", "Sanne", "Jérôme", "Fatima", "Mohammed", "Eva", "Daan", "Lotte"]
LAST_NAMES = ["Vries", "Jansen", "Bakker", "Visser", "Müller-Öztürk", "Smit", "Meijer", "Mulder", "Bos", "Dekker"]
TIME_LIMITS_S = {"postgresql": 20, "sqlite": 30}
MEMORY_LIMIT_MB, SPEED_RATIO = 300, 10


def generate(rows: int, prefix: str) -> bytes:
    """A file as Dutch Excel writes it: semicolons, dd-mm-yyyy dates, Windows line ends."""
    rnd = random.Random(rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        login = f"{prefix}.{n}".lower()
        writer.writerow([
            rnd.choice("MF"), "", f"{prefix}-{n:06d}", first, rnd.choice(["", "van", "de"]), last, login, "", "", "",
            f"{login}@example.org", first[0], "Verpleegkundige", f"Ziekenhuis {n % 50}",
            f"{rnd.randint(1, 28):02d}-{rnd.randint(1, 12):02d}-{rnd.randint(1950, 2000)}",
            "020 123 4567", "+31 6 1234 5678", f"Dorpsstraat {n % 300 + 1}", "1234 AB", "Utrecht", "NL",
            f"52/{n:06d}" + (", 19/39054148101" if n % 3 == 0 else ""),
        ])
    return out.getvalue().encode("utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class _Silent:
    def set_total(self, total):
        pass

    def advance(self, count=1):
        pass


def time_ours(data: bytes) -> tuple[float, float, dict]:
    from portal.audit import audit_context
    from portal.imports.services import learner_import_apply, learner_import_confirm, learner_import_preview

    with audit_context(actor="command"):
        start = time.perf_counter()
        learner_import = learner_import_preview(data=data, file_name="bench.csv", update_existing=True)
        previewed = time.perf_counter()
        learner_import = learner_import_confirm(learner_import=learner_import, valid_only=False, background=False)
        result = learner_import_apply(learner_import=learner_import, progress=_Silent())
        done = time.perf_counter()
    assert learner_import.counts["new"] == learner_import.counts["total"], learner_import.counts_summary
    return previewed - start, done - previewed, result


def time_import_export(data: bytes) -> float:
    """django-import-export's usual set-up: a ModelResource naming the file's columns."""
    import tablib
    from django.db import transaction
    from import_export import fields, resources, widgets

    from portal.imports.parsing import COLUMNS
    from portal.models import Learner

    class Meta:
        model = Learner
        import_id_fields = ("external_id",)
        fields = tuple(name for name in COLUMNS.values() if name)

    attributes = {name: fields.Field(attribute=name, column_name=column) for column, name in COLUMNS.items() if name}
    attributes["date_of_birth"].widget = widgets.DateWidget(format="%d-%m-%Y")
    resource = type("LearnerResource", (resources.ModelResource,), {**attributes, "Meta": Meta})()
    start = time.perf_counter()
    with transaction.atomic():
        for dry_run in (True, False):
            dataset = tablib.Dataset().load(data.decode("utf-8"), format="csv", delimiter=";")
            outcome = resource.import_data(dataset, dry_run=dry_run, raise_errors=True)
            assert outcome.totals["new"] == len(dataset), outcome.totals
        transaction.set_rollback(True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=scaled(100_000))
    parser.add_argument("--import-export-rows", type=int, default=5_000,
                        help="rows for django-import-export (its time is extrapolated to --rows)")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    data = generate(args.rows, prefix=f"B{time.time_ns():x}")
    # django-import-export first: its transaction is rolled back, so both find the learners new.
    ie_rows = min(args.rows, args.import_export_rows)
    ie_s = time_import_export(b"\r\n".join(data.split(b"\r\n")[: ie_rows + 1]))
    rss_before = peak_rss_mb()
    preview_s, import_s, result = time_ours(data)
    peak = peak_rss_mb()
    ie_extrapolated = ie_s * args.rows / ie_rows
    ours = preview_s + import_s
    time_limit = TIME_LIMITS_S[connection.vendor]

    print(f"database: {connection.vendor}{' (DEBUG is on: queries are logged)' if settings.DEBUG else ''}")
    print(f"rows: {args.rows} ({len(data) / 1e6:.1f} MB); created {result['created']}")
    print(f"preview: {preview_s:.1f} s   import: {import_s:.1f} s   total: {ours:.1f} s (aim ≤ {time_limit} s)")
    print(f"peak memory (process RSS): {peak:.0f} MB, {rss_before:.0f} MB before the import "
          f"(aim ≤ {MEMORY_LIMIT_MB} MB)")
    extrapolated = f", extrapolated to {args.rows} rows: {ie_extrapolated:.0f} s" if ie_rows < args.rows else ""
    print(f"django-import-export, dry run + import of {ie_rows} rows: {ie_s:.1f} s{extrapolated}")
    print(f"speed ratio: {ie_extrapolated / ours:.0f}× (aim ≥ {SPEED_RATIO}×)")
    ratio = ie_extrapolated / ours
    record(f"CSV import of {args.rows:,} learners, preview + import ({connection.vendor})",
           f"≤ {time_limit} s; peak RSS ≤ {MEMORY_LIMIT_MB} MB; ≥ {SPEED_RATIO}× django-import-export",
           f"{preview_s:.1f} s + {import_s:.1f} s = {ours:.1f} s; peak RSS {peak:.0f} MB; "
           f"{ratio:.0f}× django-import-export ({ie_extrapolated:.0f} s from {ie_rows:,} rows)",
           ours <= time_limit and peak <= MEMORY_LIMIT_MB and ratio >= SPEED_RATIO)

if __name__ == "__main__":
    main()

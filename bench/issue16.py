"""Issue 16's table in one sitting: every performance floor, one bench after another, each with `--check`.

    .venv/bin/python bench/issue16.py                 # all rows, SQLite and PostgreSQL where the row has both
    .venv/bin/python bench/issue16.py --only reminders rollup
    .venv/bin/python bench/issue16.py --list

Each row runs its own script in a child process (they build or reuse their data in bench/out/ and throwaway
PostgreSQL databases) and passes when that script's `--check` exits 0; the script prints its figures as ratios to
the baseline it measures in the same run, with peak memory. The benches run one at a time, because two of them on
the same two cores would measure each other. The load average before and after each row is printed beside it; a
row run on a busy machine says little about its absolute floors (seconds, milliseconds, signatures a second).
The whole output goes to bench/out/issue16-<time>.log as well.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# (key, what issue 16 asks, command); the rows with absolute floors first, while the machine is quietest
ROWS: list[tuple[str, str, list[str]]] = [
    (
        "launch",
        "campaign launch to 100,000: statements ∝ batches (≤ 60); rollup page ≤ 1.5× its GROUP BY and < 60 ms (SQLite)",
        [PY, "bench/campaigns.py", "--check"],
    ),
    (
        "launch-pg",
        "the same launch, rollup and page on PostgreSQL",
        [PY, "bench/campaigns.py", "--check", "--db", "postgres"],
    ),
    (
        "reminders-pg",
        "send-reminders, 100,000 people on PostgreSQL: all sent in one run, statements ∝ batches, the platform's part < 10 s",
        [PY, "bench/reminders.py", "--check", "--db", "postgres"],
    ),
    (
        "signing",
        "300 people sign at once: 0 errors, ≥ 60 signatures/s, all sealed within 15 s of the burst",
        [PY, "bench/pledges_sign.py", "--check"],
    ),
    (
        "reminders",
        "send-reminders, 100,000 people: all sent in one run, statements ∝ batches (SQLite)",
        [PY, "bench/reminders.py", "--check"],
    ),
    (
        "selfcheck",
        "self-check ≥ 50× Presidio (MB/s, same held-out texts)",
        [PY, "bench/selfcheck_presidio.py", "--check"],
    ),
    (
        "selfcheck-quality",
        "self-check quality on the held-out corpus: person F1 ≥ 0.92, structured F1 ≥ 0.99",
        [PY, "bench/selfcheck_quality.py", "--check"],
    ),
    (
        "roster",
        "roster import, 100,000 rows: first import ≤ 1.5× a bare read, dry run and re-import ≤ 1.2× (SQLite, PostgreSQL)",
        [PY, "bench/roster_import.py", "--check", "--repeat", "3", "--database-url", f"{PG}/bench_roster"],
    ),
]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=[key for key, _, _ in ROWS], help="these rows only")
    parser.add_argument("--list", action="store_true", help="print the rows and their commands")
    args = parser.parse_args()
    rows = [row for row in ROWS if not args.only or row[0] in args.only]
    if args.list:
        for key, goal, command in rows:
            print(f"{key:18} {goal}\n{'':18} {' '.join(Path(c).name if c == PY else c for c in command)}")
        return 0

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / f"issue16-{time.strftime('%Y%m%d-%H%M%S')}.log"
    results = []
    with log_path.open("w", encoding="utf-8") as log:
        for key, goal, command in rows:
            before = load()
            header = f"\n=== {key}: {goal}\n=== load {before}: {' '.join(command[1:])}"
            print(header, flush=True)
            log.write(header + "\n")
            started = time.monotonic()
            child = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
            )
            assert child.stdout is not None
            for line in child.stdout:
                sys.stdout.write(line)
                log.write(line)
            code = child.wait()
            results.append((key, code, time.monotonic() - started, before, load()))
            log.flush()

        summary = [
            "",
            "=== issue 16, one sitting",
            f"{'row':18} {'result':16} {'minutes':>7}  load before → after",
        ]
        for key, code, seconds, before, after in results:
            verdict = "met" if code == 0 else f"missed (exit {code})"
            summary.append(f"{key:18} {verdict:16} {seconds / 60:7.1f}  {before} → {after}")
        text = "\n".join(summary)
        print(text)
        log.write(text + "\n")
    print(f"(the whole output: {log_path.relative_to(ROOT)})")
    return 0 if all(code == 0 for _, code, *_ in results) else 1


if __name__ == "__main__":
    sys.exit(main())

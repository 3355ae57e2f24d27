#!/usr/bin/env python3
"""Compare Odoo's test results without and with the add-on (dev/tools/compat.sh).

    compat_report.py known_failures.csv OUT_DIR [OUT_DIR...] [--rerun FILE...]

Each OUT_DIR is the results folder of one run of compat.sh (COMPAT_OUT):
base.jsonl / addon.jsonl, their exit status, times and suites. The folders
of several runs (chunks of the suites, or a later targeted run) are
combined: a test's result in a later folder replaces an earlier one.
``--rerun`` files (jsonl of targeted re-runs) replace add-on results.

Prints passed / failed / errors / skipped per suite side by side and which
runs finished, then checks: every test in the known-failures file fails (or
errors) with the add-on and its error text matches the file's pattern for
the rule; no other test that passes without the add-on fails with it. Exit
status 1 otherwise.
"""

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from benchlib import out

# Table order; the default suites of dev/tools/compat.sh.
SUITES = (
    "stock",
    "product_expiry",
    "mrp",
    "purchase_stock",
    "sale_stock",
    "repair",
    "stock_dropshipping",
    "mrp_subcontracting",
    "point_of_sale",
    "stock_account",
)
BAD = ("fail", "error")
SUBTEST = re.compile(r" \(.*\)$")


def load(path):
    results = {}
    p = Path(path)
    if not p.exists():
        return None
    for line in p.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        # a subtest ("<test id> (login='demo')") counts for its test
        row["id"] = SUBTEST.sub("", row["id"])
        previous = results.get(row["id"])
        # a failed subtest makes the whole test failed
        if previous and previous["outcome"] in BAD and row["outcome"] == "pass":
            continue
        results[row["id"]] = row
    return results


def read(path, default="?"):
    p = Path(path)
    return p.read_text().strip() if p.exists() else default


def load_runs(dirs):
    """Results of both sides over the folders, and one line per run."""
    merged = {"base": {}, "addon": {}}
    runs, complete = [], True
    for out_dir in map(Path, dirs):
        for name in ("base", "addon"):
            results = load(out_dir / f"{name}.jsonl")
            if results is None:
                continue
            merged[name].update(results)
            # the exit status is written when the run's process has ended
            finished = read(out_dir / f"{name}.rc", "") != ""
            complete = complete and finished
            runs.append(
                f"{out_dir.name}/{name}: {len(results)} tests, "
                f"{read(out_dir / f'{name}.seconds')} s "
                f"(setup {read(out_dir / f'{name}.setup_seconds')} s), "
                f"{'finished' if finished else 'NOT FINISHED'}, "
                f"suites {read(out_dir / f'{name}.suites')}"
            )
    return merged["base"], merged["addon"], runs, complete


def load_known(path):
    known = []
    p = Path(path)
    if not p.exists():
        return known
    with p.open() as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            known.append(row)
    return known


def find(results, test_id):
    if test_id in results:
        return results[test_id]
    for key, row in results.items():
        if key.endswith(test_id):
            return row
    return None


def check_known(known, base, addon):
    """Each listed test fails with the add-on, for the listed rule.

    A listed test that ran in neither database belongs to a suite outside
    this run's selection (COMPAT_SUITES) and is not checked."""
    known_ids = set()
    problems = []
    for entry in known:
        test_id = entry["test_id"].strip()
        pattern = entry.get("pattern") or ""
        row = find(addon, test_id)
        if row is None and find(base, test_id) is None:
            continue
        if row is None:
            problems.append(f"known failure {test_id}: did not run with the add-on")
            continue
        known_ids.add(row["id"])
        if row["outcome"] not in BAD:
            problems.append(
                f"known failure {test_id} ({entry['rule']}): {row['outcome']} "
                "with the add-on (expected to fail): remove it from the list?"
            )
        elif not re.search(pattern, row["error"], re.S):
            last = row["error"].strip().splitlines()[-1:] or [""]
            problems.append(
                f"known failure {test_id} ({entry['rule']}) failed for another "
                f"reason: {last[0][:300]}"
            )
        else:
            out(f"expected failure ok: {test_id} ({entry['rule']}: {entry['reason']})")
    return known_ids, problems


def regressions_of(base, addon, known_ids):
    """Tests passing without the add-on that fail or error with it."""
    regressions = []
    for test_id, row in sorted(addon.items()):
        if row["outcome"] not in BAD or test_id in known_ids:
            continue
        before = base.get(test_id)
        if before and before["outcome"] == "pass":
            regressions.append(row)
    return regressions


def print_table(base, addon, test_ids):
    """Passed / failed / errors / skipped per suite, both sides, over test_ids."""
    counts = defaultdict(Counter)
    for name, results in (("base", base), ("addon", addon)):
        for test_id, row in results.items():
            if test_id in test_ids:
                counts[(name, row["module"])][row["outcome"]] += 1
    header = (
        "suite",
        "without: pass",
        "fail",
        "error",
        "skip",
        "with add-on: pass",
        "fail",
        "error",
        "skip",
    )
    rows = []
    modules = [m for m in SUITES if counts[("base", m)] or counts[("addon", m)]]
    modules += sorted({m for (_n, m) in counts if m not in SUITES})
    total = {"base": Counter(), "addon": Counter()}
    for module in [*modules, "total"]:
        if module == "total":
            b, a = total["base"], total["addon"]
        else:
            b, a = counts[("base", module)], counts[("addon", module)]
            total["base"].update(b)
            total["addon"].update(a)
        rows.append(
            (
                module,
                *(b[o] for o in ("pass", "fail", "error", "skip")),
                *(a[o] for o in ("pass", "fail", "error", "skip")),
            )
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row):
        return (
            "| "
            + " | ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=False))
            + " |"
        )

    out(line(header))
    out("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        out(line(row))
    out("")


def main(argv):
    args = argv[1:]
    reruns = []
    if "--rerun" in args:
        reruns = args[args.index("--rerun") + 1 :]
        args = args[: args.index("--rerun")]
    known_path, dirs = args[0], args[1:]
    base, addon, runs, complete = load_runs(dirs)
    if not base or not addon:
        out(f"missing results: no {'base' if not base else 'addon'}.jsonl in {dirs}")
        return 1
    # optional: results of a later targeted re-run that replace the add-on's
    for rerun_path in reruns:
        rerun = load(rerun_path) or {}
        out(f"{len(rerun)} results replaced by the re-run {rerun_path}")
        addon.update(rerun)
    common = set(base) & set(addon)
    out("Odoo test suites without / with stock_lot_traceability (default settings)")
    for run in runs:
        out(f"run {run}")
    out(
        f"tests run: without {len(base)}, with {len(addon)}; the table counts the "
        f"{len(common)} tests that ran in both"
        + ("" if complete else " (at least one run did not finish)")
    )
    out("")
    print_table(base, addon, common)
    if len(common) < max(len(base), len(addon)):
        # a side ran tests the other did not (a run unfinished, a targeted
        # run): every result of each side, for what it is worth
        out("every test each side ran:")
        out("")
        print_table(base, addon, set(base) | set(addon))

    known = load_known(known_path)
    known_ids, problems = check_known(known, base, addon)
    regressions = regressions_of(base, addon, known_ids)
    not_run = [t for t, r in base.items() if r["outcome"] == "pass" and t not in addon]
    if not complete:
        not_run = []  # an unfinished run: compare the common tests only
    for row in regressions:
        last = [ln for ln in row["error"].strip().splitlines() if ln.strip()][-1:] or [
            ""
        ]
        problems.append(f"REGRESSION {row['id']}: {row['outcome']}: {last[0][:300]}")
    for test_id in not_run[:50]:
        problems.append(f"NOT RUN with the add-on (passes without): {test_id}")
    out("")
    out(
        f"{len(known)} known failures listed ({len(known_ids)} in the suites that "
        f"ran), {len(regressions)} regressions, "
        f"{len(not_run)} passing tests not run with the add-on"
    )
    for p in problems:
        out(f"- {p}")
    out("compat: OK" if not problems else "compat: FAILED")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Time of the EPCIS 2.0 export of the hot recall.

    .venv/bin/python dev/bench/epcis_time.py [--db slt_bench] [--runs 5]

On the benchmark database, a recall of the hot lot (``HOT-RAW-00000001``,
downstream) is traced once, then its EPCIS document is built and
serialised ``--runs`` times in each binding (``stock.recall.
_get_export_file("epcis", "jsonld")`` and ``"xml"``, what the download
route serves), each run with the caches
emptied. Beside it, in the same runs, the FSMA 204 CSV export of the same
recall, so that the two compare on the same machine state. Prints the
median, min and max of each and the number of events; the transaction is
rolled back at the end.
"""

import argparse
import json
import statistics
import time

import benchlib


def _timed(env, call, runs):
    times = []
    result = None
    for _i in range(runs):
        env.invalidate_all()
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result


def _line(label, times):
    return (
        f"  {label:<14} {statistics.median(times):.3f} s  "
        f"{min(times):.3f} - {max(times):.3f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        # no background job: the trace and the export run in the request
        env.company.traceability_job_export_threshold = 0
        lot.company_id.traceability_job_trace_threshold = 0
        recall = env["stock.recall"].create(
            {"lot_ids": [(6, 0, lot.ids)], "reason": "EPCIS benchmark"}
        )
        recall.action_trace()
        epcis_times, (_name, content, _mime) = _timed(
            env, lambda: recall._get_export_file("epcis", "jsonld"), args.runs
        )
        xml_times, _xml = _timed(
            env, lambda: recall._get_export_file("epcis", "xml"), args.runs
        )
        fsma_times, _fsma = _timed(
            env, lambda: recall._get_export_file("fsma", "csv"), args.runs
        )
        events = len(json.loads(content)["epcisBody"]["eventList"])
        lines = recall.event_count
        lot_name = lot.name
        env.cr.rollback()
    benchlib.out(
        f"EPCIS export of the recall of {lot_name}: {lines} traced events -> "
        f"{events} EPCIS events, {len(content) / 1024 / 1024:.1f} MiB; "
        f"{args.runs} runs (median, min - max)"
    )
    benchlib.out(_line("EPCIS JSON-LD", epcis_times))
    benchlib.out(_line("EPCIS XML", xml_times))
    benchlib.out(_line("FSMA 204 CSV", fsma_times))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Age a copy of the benchmark database: a year of write churn.

    .venv/bin/python dev/bench/age.py [--source slt_bench] [--db slt_bench_aged]
                                      [--months 12] [--force]

A database that has lived is not a fresh one: its tables and indexes hold
dead rows and split pages, and its statistics come from autovacuum's
samples. The benchmark's generator writes every table in one go and builds
each index by one sort (packed pages, exact statistics), which is the best
case for the planner. This script copies ``--source`` (``createdb -T``,
the filestore with it) and replays ``--months`` months of the writes a
stock database sees, in SQL (sizes relative to the number of done move
lines, so that a tiny database ages alike):

* rolled back: move lines inserted (a validation that fails, a test run
  or a benchmark in a savepoint) and done lines rewritten, then
  ``ROLLBACK``: dead rows and index entries;
* committed: done lines rewritten (a stored field recomputed, a lot or
  package written on a done line, Odoo's own writes on validation):
  PostgreSQL writes each updated row anew, on another page when its page
  is full (the generator fills them), so every index gets an entry in the
  middle of its pages and splits them;
* committed: internal transfers of lots between bins (a done move and line,
  the quants updated, a new quant at the destination, the emptied quant
  deleted, as Odoo does);
* committed: reservations (lines in state ``assigned`` and the quants'
  ``reserved_quantity``), released and deleted the next month;
* after each month, what autovacuum would do: ``VACUUM`` of a table whose
  dead rows exceed ``autovacuum_vacuum_threshold`` +
  ``autovacuum_vacuum_scale_factor`` x rows, ``ANALYZE`` of one whose
  changes since its last analysis exceed the analyze threshold (the
  server's settings); plain ``VACUUM``, never ``FULL`` nor ``REINDEX``,
  which do not shrink an index's pages.

The copy stays consistent (the generator's check runs at the end: quants
against done lines, serials, the hot lot's shipments). A marker
(``ir.config_parameter`` ``stock_lot_traceability.bench_aged``: source,
months, rows written, the sizes of the move line table and its primary key
before and after) lets ``run.py`` describe it; ``--force`` ages a new copy
even when the marker matches the source's.
"""

import argparse
import json
import random
import subprocess
import sys
import time

import benchlib
import psycopg2

AGED_KEY = "stock_lot_traceability.bench_aged"
AGED_VERSION = 1
# Share of the done move lines touched per month, per kind of write.
RATES = {
    "rolled_back_inserts": 0.02,
    "rolled_back_updates": 0.02,
    "committed_updates": 0.015,
    "transfers": 0.002,
    "reservations": 0.003,
}
TABLES = ("stock_move_line", "stock_move", "stock_quant")


def log(msg):
    benchlib.out(f"[age {time.strftime('%H:%M:%S')}] {msg}")


def connect(db):
    return psycopg2.connect(
        dbname=db,
        host=benchlib.os.environ["PGHOST"],
        port=benchlib.os.environ["PGPORT"],
        user=benchlib.os.environ["PGUSER"],
        password=benchlib.os.environ["PGPASSWORD"],
    )


def sizes(cr):
    cr.execute(
        """
        SELECT c.relname, c.relpages, pg_relation_size(c.oid) / 8192
          FROM pg_class c
         WHERE c.relname IN ('stock_move_line', 'stock_move_line_pkey',
                             'stock_move_line__lot_id_index', 'stock_quant')
        """
    )
    return {name: int(pages) for name, _stat, pages in cr.fetchall()}


def columns(cr, table):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = %s AND column_name <> 'id'
         ORDER BY ordinal_position
        """,
        (table,),
    )
    return [r[0] for r in cr.fetchall()]


def sample_lines(cr, rng, n, max_id):
    """``n`` random ids of done lines (ids spread over the whole table)."""
    ids = rng.sample(range(1, max_id + 1), min(n * 2, max_id))
    cr.execute(
        "SELECT id FROM stock_move_line WHERE id = ANY(%s) AND state = 'done' LIMIT %s",
        (ids, n),
    )
    return [r[0] for r in cr.fetchall()]


def rolled_back(conn, rng, counts, max_id, line_cols):
    """Inserts and rewrites of move lines, rolled back."""
    cr = conn.cursor()
    ids = sample_lines(cr, rng, counts["rolled_back_inserts"], max_id)
    cols = ", ".join(line_cols)
    cr.execute(
        f"INSERT INTO stock_move_line ({cols}) SELECT {cols} FROM stock_move_line"  # noqa: S608
        " WHERE id = ANY(%s)",
        (ids,),
    )
    ids = sample_lines(cr, rng, counts["rolled_back_updates"], max_id)
    cr.execute(
        "UPDATE stock_move_line SET write_date = now() AT TIME ZONE 'UTC'"
        " WHERE id = ANY(%s)",
        (ids,),
    )
    conn.rollback()


def committed_updates(conn, rng, counts, max_id):
    """Done lines rewritten (no column of the trace changes)."""
    cr = conn.cursor()
    ids = sample_lines(cr, rng, counts["committed_updates"], max_id)
    cr.execute(
        "UPDATE stock_move_line SET write_date = now() AT TIME ZONE 'UTC',"
        " write_uid = 1 WHERE id = ANY(%s)",
        (ids,),
    )
    conn.commit()
    return len(ids)


TRANSFERS_SQL = """
WITH src AS (
    SELECT q.id, q.product_id, q.location_id, q.lot_id, q.company_id,
           q.quantity, pt.uom_id,
           (SELECT b.id FROM stock_location b
             WHERE b.id = ANY(%(bins)s) AND b.id <> q.location_id
             ORDER BY md5(q.id::text || %(month)s || b.id::text) LIMIT 1) AS dest
      FROM stock_quant q
      JOIN stock_location loc ON loc.id = q.location_id
      JOIN product_product pp ON pp.id = q.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE q.id = ANY(%(quants)s) AND loc.usage = 'internal'
       AND q.lot_id IS NOT NULL AND q.quantity > 0 AND q.reserved_quantity = 0
), moves AS (
    INSERT INTO stock_move (company_id, product_id, product_uom, location_id,
                            location_dest_id, state, procure_method, reference,
                            product_qty, product_uom_qty, quantity, picked, date,
                            create_date, write_date, create_uid, write_uid)
    SELECT company_id, product_id, uom_id, location_id, dest, 'done',
           'make_to_stock', 'AGE/' || %(month)s || '/' || id, quantity, quantity,
           quantity, TRUE, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
           now() AT TIME ZONE 'UTC', 1, 1
      FROM src
    RETURNING id, reference
), lines AS (
    INSERT INTO stock_move_line (move_id, company_id, product_id, product_uom_id,
                                 lot_id, location_id, location_dest_id, state,
                                 quantity, quantity_product_uom, picked, date,
                                 create_date, write_date, create_uid, write_uid)
    SELECT m.id, s.company_id, s.product_id, s.uom_id, s.lot_id, s.location_id,
           s.dest, 'done', s.quantity, s.quantity, TRUE,
           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
           now() AT TIME ZONE 'UTC', 1, 1
      FROM src s
      JOIN moves m ON m.reference = 'AGE/' || %(month)s || '/' || s.id
    RETURNING id
), arrived AS (
    INSERT INTO stock_quant (product_id, company_id, location_id, lot_id,
                             quantity, reserved_quantity, in_date, create_date,
                             write_date, create_uid, write_uid)
    SELECT product_id, company_id, dest, lot_id, quantity, 0,
           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
           now() AT TIME ZONE 'UTC', 1, 1
      FROM src
    RETURNING id
), emptied AS (
    DELETE FROM stock_quant q USING src WHERE q.id = src.id RETURNING q.id
)
SELECT (SELECT COUNT(*) FROM lines), (SELECT COUNT(*) FROM emptied)
"""


def transfers(conn, rng, counts, month):
    """Whole lot quants moved to another bin, committed."""
    cr = conn.cursor()
    cr.execute(
        "SELECT q.id FROM stock_quant q JOIN stock_location l ON l.id = q.location_id"
        " WHERE l.usage = 'internal' AND q.lot_id IS NOT NULL AND q.quantity > 0"
    )
    quants = [r[0] for r in cr.fetchall()]
    cr.execute(
        "SELECT id FROM stock_location"
        " WHERE usage = 'internal' AND name LIKE 'BENCH-BIN-%%'"
    )
    bins = [r[0] for r in cr.fetchall()]
    picked = rng.sample(quants, min(counts["transfers"], len(quants)))
    cr.execute(TRANSFERS_SQL, {"quants": picked, "bins": bins, "month": str(month)})
    moved, emptied = cr.fetchone()
    conn.commit()
    return moved, emptied


def reservations(conn, rng, counts, month, line_cols):
    """Last month's reservations released (lines deleted, quants written
    back), this month's made (lines in state ``assigned``), committed."""
    cr = conn.cursor()
    cr.execute(
        "SELECT id, lot_id, location_id, quantity FROM stock_move_line"
        " WHERE state = 'assigned' AND move_id IS NULL AND picking_id IS NULL"
        " AND lot_id IS NOT NULL"
    )
    released = cr.fetchall()
    cr.execute(
        """
        UPDATE stock_quant q SET reserved_quantity = 0,
               write_date = now() AT TIME ZONE 'UTC'
         WHERE q.reserved_quantity > 0 AND (q.lot_id, q.location_id) IN (
               SELECT lot_id, location_id FROM stock_move_line
                WHERE id = ANY(%s))
        """,
        ([r[0] for r in released],),
    )
    cr.execute(
        "DELETE FROM stock_move_line WHERE id = ANY(%s)", ([r[0] for r in released],)
    )
    cr.execute(
        "SELECT q.id FROM stock_quant q JOIN stock_location l ON l.id = q.location_id"
        " WHERE l.usage = 'internal' AND q.lot_id IS NOT NULL AND q.quantity > 0"
        " AND q.reserved_quantity = 0"
    )
    quants = [r[0] for r in cr.fetchall()]
    picked = rng.sample(quants, min(counts["reservations"], len(quants)))
    cr.execute(
        """
        WITH reserved AS (
            UPDATE stock_quant q SET reserved_quantity = q.quantity,
                   write_date = now() AT TIME ZONE 'UTC'
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE q.id = ANY(%s) AND pp.id = q.product_id
         RETURNING q.product_id, q.company_id, q.lot_id, q.location_id,
                   q.quantity, pt.uom_id
        )
        INSERT INTO stock_move_line (company_id, product_id, product_uom_id, lot_id,
                                     location_id, location_dest_id, state, quantity,
                                     quantity_product_uom, date, create_date,
                                     write_date, create_uid, write_uid)
        SELECT r.company_id, r.product_id, r.uom_id, r.lot_id, r.location_id,
               (SELECT id FROM stock_location WHERE usage = 'customer'
                 ORDER BY id LIMIT 1),
               'assigned', r.quantity, r.quantity, now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 1, 1
          FROM reserved r
        """,
        (picked,),
    )
    made = cr.rowcount
    conn.commit()
    return len(released), made


def autovacuum(conn):
    """VACUUM / ANALYZE the tables autovacuum would pick now (its rules and
    the server's thresholds); returns what ran."""
    conn.autocommit = True
    cr = conn.cursor()
    # the statistics of the last writes reach pg_stat_user_tables shortly
    time.sleep(1.5)
    cr.execute(
        """
        SELECT s.relname,
               s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float
                   + current_setting('autovacuum_vacuum_scale_factor')::float
                     * c.reltuples,
               s.n_mod_since_analyze
                   > current_setting('autovacuum_analyze_threshold')::float
                   + current_setting('autovacuum_analyze_scale_factor')::float
                     * c.reltuples
          FROM pg_stat_user_tables s
          JOIN pg_class c ON c.oid = s.relid
         WHERE s.relname = ANY(%s)
        """,
        (list(TABLES),),
    )
    ran = []
    for table, vacuum, analyze in cr.fetchall():
        if vacuum or analyze:
            what = ", ".join(
                name for name, on in (("VACUUM", vacuum), ("ANALYZE", analyze)) if on
            )
            verb = "VACUUM (ANALYZE)" if vacuum and analyze else what
            cr.execute(f"{verb} {table}")
            ran.append(f"{what} {table}")
    conn.autocommit = False
    return ran


def age(db, months, seed):
    rng = random.Random(seed)
    conn = connect(db)
    cr = conn.cursor()
    cr.execute("SELECT COUNT(*), MAX(id) FROM stock_move_line WHERE state = 'done'")
    done, max_id = cr.fetchone()
    counts = {k: max(1, round(rate * done)) for k, rate in RATES.items()}
    line_cols = columns(cr, "stock_move_line")
    before = sizes(cr)
    conn.commit()
    log(f"{db}: {done} done lines; per month {json.dumps(counts)}; sizes {before}")
    totals = dict.fromkeys(
        ("rolled_back", "updated", "moved", "emptied_quants", "released", "reserved"),
        0,
    )
    vacuums = []
    for month in range(1, months + 1):
        rolled_back(conn, rng, counts, max_id, line_cols)
        totals["rolled_back"] += (
            counts["rolled_back_inserts"] + counts["rolled_back_updates"]
        )
        totals["updated"] += committed_updates(conn, rng, counts, max_id)
        moved, emptied = transfers(conn, rng, counts, month)
        totals["moved"] += moved
        totals["emptied_quants"] += emptied
        released, reserved = reservations(conn, rng, counts, month, line_cols)
        totals["released"] += released
        totals["reserved"] += reserved
        ran = autovacuum(conn)
        vacuums += [f"month {month}: {r}" for r in ran]
        log(f"month {month}: {json.dumps(totals)}; autovacuum: {ran or 'nothing'}")
    # the end of the year: autovacuum's last round, if its thresholds are met
    ran = autovacuum(conn)
    vacuums += [f"end: {r}" for r in ran]
    after = sizes(cr)
    conn.commit()
    conn.close()
    log(f"sizes before {before}, after {after}")
    return {
        "months": months,
        "seed": seed,
        "per_month": counts,
        "totals": totals,
        "autovacuum": vacuums,
        "pages_before": before,
        "pages_after": after,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--source", default="slt_bench")
    parser.add_argument("--db", default="slt_bench_aged")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    from generate import check, read_marker  # noqa: PLC0415

    source_marker = read_marker(args.source)
    if not source_marker:
        benchlib.out(f"{args.source} has no benchmark marker: run generate.py first")
        return 1
    wanted = {
        "version": AGED_VERSION,
        "source": args.source,
        "source_generated": source_marker.get("generated"),
        "months": args.months,
        "seed": args.seed,
    }
    if benchlib.db_exists(args.db) and not args.force:
        try:
            aged = json.loads(
                benchlib.psql(
                    f"SELECT value FROM ir_config_parameter WHERE key = '{AGED_KEY}'",
                    db=args.db,
                )
                or "{}"
            )
        except subprocess.CalledProcessError:
            aged = {}
        if all(aged.get(k) == v for k, v in wanted.items()):
            log(f"reusing {args.db}: aged {json.dumps(aged['totals'])}")
            return 0
    t0 = time.time()
    benchlib.drop_db(args.db)
    log(f"copying {args.source} to {args.db}")
    subprocess.run(["createdb", "-T", args.source, args.db], check=True)
    benchlib.copy_filestore(args.source, args.db)
    result = age(args.db, args.months, args.seed)
    with benchlib.environment(args.db) as env:
        scale = source_marker.get("scale", 1.0)
        _stats, problems = check(env, scale, source_marker.get("hot_scale"))
        if problems:
            log("CONSISTENCY CHECK FAILED: " + "; ".join(problems))
            return 1
        marker = {**wanted, **result, "seconds": round(time.time() - t0, 1)}
        env["ir.config_parameter"].set_param(AGED_KEY, json.dumps(marker))
        env.cr.commit()
    log(f"{args.db} aged in {time.time() - t0:.0f} s, consistency check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

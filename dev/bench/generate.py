#!/usr/bin/env python3
"""Build (or reuse) the benchmark database.

    .venv/bin/python dev/bench/generate.py [--db slt_bench] [--scale 1.0] [--force]

Scale 1.0 (default): >= 1,000,000 done move lines, >= 100,000 lots/serials,
5,000 customers, 3 levels of manufacturing (raw lot -> L1 lots -> L2 lots ->
L3 finished serials/lots -> deliveries), returns and scraps. One "hot" raw
lot reaches >= 10,000 customer shipments (at scale 1).

Master data (locations, partners, products, BoMs) is made through the ORM;
pickings, moves, move lines, manufacturing orders, lots and scraps are
written with COPY; quants are then computed from the done move lines. The
script ends with a consistency check (SQL) and opens lots, pickings,
manufacturing orders and the traceability report through the ORM. The
database is reused when its marker (generator version + scale) matches.
"""

import argparse
import io
import json
import random
import sys
import time
from datetime import datetime, timedelta
from typing import ClassVar

import benchlib

GENERATOR_VERSION = 5
MARKER_KEY = "stock_lot_traceability.bench_marker"
COMPANY = 1
UID = 1
UOM_UNIT = 1


def log(msg):
    benchlib.out(f"[generate {time.strftime('%H:%M:%S')}] {msg}")


def fmt_ts(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


class Copier:
    """Buffers rows per table and writes them with COPY."""

    COLUMNS: ClassVar[dict] = {
        "stock_lot": (
            "id name product_id company_id create_date write_date create_uid write_uid"
        ),
        "stock_picking": (
            "id name origin picking_type_id location_id location_dest_id partner_id "
            "company_id move_type state priority scheduled_date date_done "
            "create_date write_date create_uid write_uid return_id is_locked"
        ),
        "stock_move": (
            "id company_id product_id product_uom location_id location_dest_id "
            "partner_id picking_id picking_type_id warehouse_id state procure_method "
            "reference origin product_qty product_uom_qty quantity picked date "
            "create_date write_date create_uid write_uid production_id "
            "raw_material_production_id origin_returned_move_id scrap_id is_in "
            "is_out sequence priority price_unit"
        ),
        "stock_move_line": (
            "id picking_id move_id company_id product_id product_uom_id lot_id "
            "location_id location_dest_id state quantity quantity_product_uom "
            "picked date create_date write_date create_uid write_uid"
        ),
        "mrp_production": (
            "id name product_id product_uom_id product_qty product_uom_qty "
            "qty_producing picking_type_id location_src_id location_dest_id "
            "production_location_id company_id consumption state priority "
            "date_start date_finished bom_id user_id is_locked create_date "
            "write_date create_uid write_uid"
        ),
        "stock_move_line_consume_rel": "consume_line_id produce_line_id",
        "stock_scrap": (
            "id name company_id product_id product_uom_id lot_id location_id "
            "scrap_location_id scrap_qty state date_done create_date write_date "
            "create_uid write_uid"
        ),
    }
    FLUSH_AT = 200_000
    # referenced tables first (foreign keys are checked at COPY time)
    ORDER = (
        "stock_lot",
        "stock_picking",
        "mrp_production",
        "stock_scrap",
        "stock_move",
        "stock_move_line",
        "stock_move_line_consume_rel",
    )

    def __init__(self, cr):
        self.cr = cr
        self.rows = {t: [] for t in self.COLUMNS}
        self.counts = dict.fromkeys(self.COLUMNS, 0)
        self.seconds = {}

    def add(self, table, row):
        buf = self.rows[table]
        buf.append(row)
        if len(buf) >= self.FLUSH_AT:
            self.flush()

    @staticmethod
    def _cell(value):
        if value is None:
            return "\\N"
        if value is True:
            return "t"
        if value is False:
            return "f"
        if isinstance(value, datetime):
            return fmt_ts(value)
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    def flush(self, table=None):
        for name in [table] if table else self.ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            data = io.StringIO()
            cell = self._cell
            for row in rows:
                data.write("\t".join(cell(v) for v in row))
                data.write("\n")
            data.seek(0)
            cols = ", ".join(self.COLUMNS[name].split())
            t = time.perf_counter()
            self.cr._obj.copy_expert(f"COPY {name} ({cols}) FROM STDIN", data)
            self.seconds[name] = self.seconds.get(name, 0) + time.perf_counter() - t
            self.counts[name] += len(rows)
            self.rows[name] = []


class BulkLoad:
    """Drops the foreign keys and the secondary indexes of the loaded tables
    and puts them back afterwards (as ``pg_restore`` does): COPY then writes
    the rows without a foreign-key lookup or an index insert per row, and
    each index is built once by a sort. Everything is in the generator's
    transaction: a failure leaves the database as it was."""

    def __init__(self, cr, tables):
        self.cr = cr
        self.tables = tables
        self.fkeys = []
        self.indexes = []

    def drop(self):
        cr = self.cr
        cr.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
              FROM pg_constraint
             WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
            """,
            (list(self.tables),),
        )
        self.fkeys = cr.fetchall()
        cr.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid::regclass::text = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                WHERE c.conindid = i.indexrelid)
            """,
            (list(self.tables),),
        )
        self.indexes = cr.fetchall()
        for table, name, _def in self.fkeys:
            cr.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _def in self.indexes:
            cr.execute(f"DROP INDEX {name}")
        log(f"dropped {len(self.fkeys)} foreign keys, {len(self.indexes)} indexes")

    def restore(self):
        cr = self.cr
        cr.execute("SET LOCAL maintenance_work_mem = '512MB'")
        t0 = time.time()
        for _name, definition in self.indexes:
            cr.execute(definition)
        log(f"{len(self.indexes)} indexes rebuilt in {time.time() - t0:.0f} s")
        t0 = time.time()
        for table, name, definition in self.fkeys:
            cr.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        log(f"{len(self.fkeys)} foreign keys checked in {time.time() - t0:.0f} s")


class Generator:
    def __init__(self, env, scale, seed=42, hot_scale=None, probes=False):
        self.env = env
        self.cr = env.cr
        self.scale = scale
        self.hot_scale = hot_scale
        self.probes = probes
        self.seed = seed
        self.rnd = random.Random(seed)
        self.copy = Copier(self.cr)
        self.ids = {}
        for table in Copier.COLUMNS:
            if table == "stock_move_line_consume_rel":
                continue
            self.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            self.ids[table] = self.cr.fetchone()[0]
        self.start = datetime(2023, 1, 2, 8, 0, 0)
        self.seq = {}
        self.done_lines = 0

    # -- ids and names ---------------------------------------------------
    def new_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def name(self, prefix, width=7):
        n = self.seq.get(prefix, 0) + 1
        self.seq[prefix] = n
        return f"{prefix}{n:0{width}d}"

    def date(self, day_offset, hour=0.0):
        return self.start + timedelta(days=day_offset, hours=hour)

    # -- master data (ORM) -----------------------------------------------
    def setup_master_data(self):
        env = self.env
        self.wh = env["stock.warehouse"].search([("company_id", "=", COMPANY)], limit=1)
        self.stock = self.wh.lot_stock_id
        self.in_type = self.wh.in_type_id
        self.out_type = self.wh.out_type_id
        self.int_type = self.wh.int_type_id
        self.mo_type = self.wh.manu_type_id
        self.return_type = self.out_type.return_picking_type_id or self.in_type
        self.supplier_loc = env.ref("stock.stock_location_suppliers")
        self.customer_loc = env.ref("stock.stock_location_customers")
        self.production_loc = env["stock.location"].search(
            [("usage", "=", "production"), ("company_id", "in", [COMPANY, False])],
            limit=1,
        )
        scrap = env["stock.location"].search(
            [("usage", "=", "inventory"), ("name", "=", "Scrap")], limit=1
        )
        if not scrap:
            scrap = env["stock.location"].create(
                {
                    "name": "Scrap",
                    "usage": "inventory",
                    "location_id": self.stock.location_id.location_id.id or False,
                    "company_id": COMPANY,
                }
            )
        self.scrap_loc = scrap
        self.bins = env["stock.location"].create(
            [
                {"name": f"BENCH-BIN-{i:03d}", "location_id": self.stock.id}
                for i in range(1, 101)
            ]
        )
        n_customers = max(50, round(5000 * self.scale))
        log(f"creating {n_customers} customers and 50 vendors")
        partners = env["res.partner"].with_context(tracking_disable=True)
        self.customers = partners.create(
            [
                {
                    "name": f"Bench Customer {i:05d}",
                    "street": f"{i} Bench Street",
                    "city": "Benchville",
                    "zip": f"{10000 + i}",
                    "customer_rank": 1,
                }
                for i in range(1, n_customers + 1)
            ]
        ).ids
        self.vendors = partners.create(
            [
                {"name": f"Bench Vendor {i:03d}", "supplier_rank": 1}
                for i in range(1, 51)
            ]
        ).ids
        products = env["product.product"].with_context(tracking_disable=True)

        def make(prefix, count, tracking):
            return products.create(
                [
                    {
                        "name": f"Bench {prefix} {i:03d}",
                        "default_code": f"BENCH-{prefix}-{i:03d}",
                        "is_storable": True,
                        "tracking": tracking,
                    }
                    for i in range(1, count + 1)
                ]
            ).ids

        self.p_raw = make("RAW", 10, "lot")
        self.p_l1 = make("L1", 10, "lot")
        self.p_l2 = make("L2", 10, "lot")
        self.p_l3_serial = make("FIN-SN", 10, "serial")
        self.p_l3_lot = make("FIN-LOT", 5, "lot")
        self.p_serial = make("SN", 40, "serial")
        self.p_lot = make("LOT", 40, "lot")
        boms = env["mrp.bom"]
        bom_vals = []
        for level_from, level_to in (
            (self.p_raw, self.p_l1),
            (self.p_l1, self.p_l2),
            (self.p_l2, self.p_l3_serial + self.p_l3_lot),
        ):
            for idx, pid in enumerate(level_to):
                comp = level_from[idx % len(level_from)]
                bom_vals.append(
                    {
                        "product_tmpl_id": products.browse(pid).product_tmpl_id.id,
                        "product_id": pid,
                        "product_qty": 1,
                        "bom_line_ids": [
                            (0, 0, {"product_id": comp, "product_qty": 1}),
                        ],
                    }
                )
        self.bom_by_product = {b.product_id.id: b.id for b in boms.create(bom_vals)}
        env.flush_all()

    # -- row helpers -----------------------------------------------------
    def lot(self, product_id, prefix, dt):
        lot_id = self.new_id("stock_lot")
        self.copy.add(
            "stock_lot",
            (lot_id, self.name(prefix, 8), product_id, COMPANY, dt, dt, UID, UID),
        )
        return lot_id

    def picking(self, ptype, src, dst, partner, dt, origin=None, return_id=None):
        pid = self.new_id("stock_picking")
        name = self.name(f"WH/{ptype.sequence_code}/B")
        self.copy.add(
            "stock_picking",
            (
                pid,
                name,
                origin,
                ptype.id,
                src,
                dst,
                partner,
                COMPANY,
                "direct",
                "done",
                "0",
                dt,
                dt,
                dt,
                dt,
                UID,
                UID,
                return_id,
                True,
            ),
        )
        return pid, name

    def move(
        self,
        product_id,
        lines,
        src,
        dst,
        dt,
        picking=None,
        ptype=None,
        partner=None,
        reference=None,
        production_id=None,
        raw_production_id=None,
        returned_move=None,
        scrap_id=None,
    ):
        """One done move with one done move line per (lot_id, qty)."""
        move_id = self.new_id("stock_move")
        qty = sum(q for _lot, q in lines)
        src_internal = src in self.internal_ids
        dst_internal = dst in self.internal_ids
        self.copy.add(
            "stock_move",
            (
                move_id,
                COMPANY,
                product_id,
                UOM_UNIT,
                src,
                dst,
                partner,
                picking,
                ptype,
                self.wh.id,
                "done",
                "make_to_stock",
                reference,
                None,
                qty,
                qty,
                qty,
                True,
                dt,
                dt,
                dt,
                UID,
                UID,
                production_id,
                raw_production_id,
                returned_move,
                scrap_id,
                dst_internal and not src_internal,
                src_internal and not dst_internal,
                10,
                "0",
                0,
            ),
        )
        ml_ids = []
        for lot_id, q in lines:
            ml_id = self.new_id("stock_move_line")
            self.copy.add(
                "stock_move_line",
                (
                    ml_id,
                    picking,
                    move_id,
                    COMPANY,
                    product_id,
                    UOM_UNIT,
                    lot_id,
                    src,
                    dst,
                    "done",
                    q,
                    q,
                    True,
                    dt,
                    dt,
                    dt,
                    UID,
                    UID,
                ),
            )
            ml_ids.append(ml_id)
        self.done_lines += len(lines)
        return move_id, ml_ids

    def receipt(self, items, dt, dst=None):
        """items: [(product_id, [(lot, qty)])] from one vendor."""
        dst = dst or self.stock.id
        pid, name = self.picking(
            self.in_type,
            self.supplier_loc.id,
            dst,
            self.rnd.choice(self.vendors),
            dt,
            origin="BENCH PO",
        )
        for product_id, lines in items:
            self.move(
                product_id,
                lines,
                self.supplier_loc.id,
                dst,
                dt,
                pid,
                self.in_type.id,
                reference=name,
            )
        return pid

    def transfer(self, items, src, dst, dt):
        pid, name = self.picking(self.int_type, src, dst, None, dt)
        for product_id, lines in items:
            self.move(
                product_id, lines, src, dst, dt, pid, self.int_type.id, reference=name
            )

    def delivery(self, items, src, dt, partner=None):
        """items: [(product_id, [(lot, qty)])]; returns [(move_id, picking_id)]."""
        partner = partner or self.rnd.choice(self.customers)
        pid, name = self.picking(
            self.out_type, src, self.customer_loc.id, partner, dt, origin="BENCH SO"
        )
        moves = []
        for product_id, lines in items:
            move_id, _mls = self.move(
                product_id,
                lines,
                src,
                self.customer_loc.id,
                dt,
                pid,
                self.out_type.id,
                partner=partner,
                reference=name,
            )
            moves.append((move_id, pid, partner))
        return moves

    def customer_return(
        self, product_id, lot_id, qty, move_id, picking_id, partner, dt
    ):
        pid, name = self.picking(
            self.return_type,
            self.customer_loc.id,
            self.stock.id,
            partner,
            dt,
            origin=f"Return of BENCH {picking_id}",
            return_id=picking_id,
        )
        self.move(
            product_id,
            [(lot_id, qty)],
            self.customer_loc.id,
            self.stock.id,
            dt,
            pid,
            self.return_type.id,
            partner=partner,
            reference=name,
            returned_move=move_id,
        )

    def scrap(self, product_id, lot_id, qty, src, dt):
        scrap_id = self.new_id("stock_scrap")
        name = self.name("SP/B")
        self.copy.add(
            "stock_scrap",
            (
                scrap_id,
                name,
                COMPANY,
                product_id,
                UOM_UNIT,
                lot_id,
                src,
                self.scrap_loc.id,
                qty,
                "done",
                dt,
                dt,
                dt,
                UID,
                UID,
            ),
        )
        self.move(
            product_id,
            [(lot_id, qty)],
            src,
            self.scrap_loc.id,
            dt,
            reference=name,
            scrap_id=scrap_id,
        )

    def production(self, product_id, consumed, produced, dt):
        """One done MO: consumed [(product, lot, qty)], produced [(lot, qty)].

        Finished move lines are linked to every consumed move line through
        ``stock_move_line_consume_rel`` as Odoo's ``button_mark_done`` does.
        """
        mo_id = self.new_id("mrp_production")
        name = self.name("WH/MO/B")
        qty = sum(q for _lot, q in produced)
        self.copy.add(
            "mrp_production",
            (
                mo_id,
                name,
                product_id,
                UOM_UNIT,
                qty,
                qty,
                qty,
                self.mo_type.id,
                self.stock.id,
                self.stock.id,
                self.production_loc.id,
                COMPANY,
                "flexible",
                "done",
                "0",
                dt,
                dt + timedelta(hours=1),
                self.bom_by_product.get(product_id),
                UID,
                True,
                dt,
                dt,
                UID,
                UID,
            ),
        )
        raw_ml_ids = []
        for comp, lot_id, q in consumed:
            _m, mls = self.move(
                comp,
                [(lot_id, q)],
                self.stock.id,
                self.production_loc.id,
                dt,
                ptype=self.mo_type.id,
                reference=name,
                raw_production_id=mo_id,
            )
            raw_ml_ids += mls
        done = dt + timedelta(hours=1)
        _m, fin_ml_ids = self.move(
            product_id,
            produced,
            self.production_loc.id,
            self.stock.id,
            done,
            ptype=self.mo_type.id,
            reference=name,
            production_id=mo_id,
        )
        for fin in fin_ml_ids:
            for raw in raw_ml_ids:
                self.copy.add("stock_move_line_consume_rel", (fin, raw))
        return mo_id

    # -- flows -----------------------------------------------------------
    def chain(
        self,
        idx,
        day0,
        n_l1,
        n_l2_per_l1,
        n_mo_per_l2,
        n_per_mo,
        serial,
        raw_prefix="RAW-",
    ):
        """Raw lot -> L1 lots -> L2 lots -> L3 serials/lots -> deliveries."""
        raw_p = self.p_raw[idx % len(self.p_raw)]
        l1_p = self.p_l1[idx % len(self.p_l1)]
        l2_p = self.p_l2[idx % len(self.p_l2)]
        l3_p = (self.p_l3_serial if serial else self.p_l3_lot)[
            idx % (len(self.p_l3_serial) if serial else len(self.p_l3_lot))
        ]
        l2_qty = n_mo_per_l2 * n_per_mo
        l1_qty = n_l2_per_l1 * l2_qty
        raw_qty = n_l1 * l1_qty + 50
        dt = self.date(day0)
        raw_lot = self.lot(raw_p, raw_prefix, dt)
        self.receipt([(raw_p, [(raw_lot, raw_qty)])], dt)
        shipments = 0
        mo_day = day0 + 1
        for _i in range(n_l1):
            dt = self.date(mo_day)
            l1_lot = self.lot(l1_p, "L1-", dt)
            self.production(l1_p, [(raw_p, raw_lot, l1_qty)], [(l1_lot, l1_qty)], dt)
            for _j in range(n_l2_per_l1):
                dt2 = self.date(mo_day + 1)
                l2_lot = self.lot(l2_p, "L2-", dt2)
                self.production(l2_p, [(l1_p, l1_lot, l2_qty)], [(l2_lot, l2_qty)], dt2)
                for _k in range(n_mo_per_l2):
                    dt3 = self.date(mo_day + 2)
                    if serial:
                        fin = [
                            (self.lot(l3_p, "SN-", dt3), 1) for _s in range(n_per_mo)
                        ]
                    else:
                        fin = [(self.lot(l3_p, "FLOT-", dt3), n_per_mo)]
                    self.production(l3_p, [(l2_p, l2_lot, n_per_mo)], fin, dt3)
                    shipments += self.ship_finished(l3_p, fin, mo_day + 3, serial)
            mo_day += 3
        return raw_lot, shipments

    def ship_finished(self, product_id, fin, day, serial):
        rnd = self.rnd
        shipments = 0
        if serial:
            for lot_id, _q in fin:
                r = rnd.random()
                if r < 0.02:
                    continue  # stays in stock
                if r < 0.025:
                    self.scrap(product_id, lot_id, 1, self.stock.id, self.date(day, 2))
                    continue
                dt = self.date(day + rnd.random() * 60, 3)
                moves = self.delivery([(product_id, [(lot_id, 1)])], self.stock.id, dt)
                shipments += 1
                if rnd.random() < 0.01:
                    move_id, pick, partner = moves[0]
                    self.customer_return(
                        product_id,
                        lot_id,
                        1,
                        move_id,
                        pick,
                        partner,
                        dt + timedelta(days=7),
                    )
            return shipments
        for lot_id, qty in fin:
            left = qty
            while left > 2:
                q = min(left - 2, rnd.randint(1, 5))
                dt = self.date(day + rnd.random() * 60, 3)
                self.delivery([(product_id, [(lot_id, q)])], self.stock.id, dt)
                shipments += 1
                left -= q
        return shipments

    def standalone_serials(self, count, day_span):
        rnd = self.rnd
        batch = 50
        n_batches = max(1, count // batch)
        for b in range(n_batches):
            product_id = self.p_serial[b % len(self.p_serial)]
            day = b * day_span / n_batches
            dt = self.date(day)
            lots = [self.lot(product_id, "SN-", dt) for _i in range(batch)]
            self.receipt([(product_id, [(lot, 1) for lot in lots])], dt)
            bin_id = self.bins[b % len(self.bins)].id
            self.transfer(
                [(product_id, [(lot, 1) for lot in lots])],
                self.stock.id,
                bin_id,
                dt + timedelta(hours=2),
            )
            pending = []
            for lot in lots:
                r = rnd.random()
                if r < 0.2:
                    continue  # stays on hand
                if r < 0.21:
                    self.scrap(product_id, lot, 1, bin_id, dt + timedelta(days=1))
                    continue
                pending.append(lot)
            while pending:
                k = min(len(pending), rnd.randint(1, 4))
                chunk, pending = pending[:k], pending[k:]
                ddt = dt + timedelta(days=1 + rnd.random() * 30)
                moves = self.delivery(
                    [(product_id, [(lot, 1) for lot in chunk])], bin_id, ddt
                )
                if rnd.random() < 0.03:
                    move_id, pick, partner = moves[0]
                    self.customer_return(
                        product_id,
                        chunk[0],
                        1,
                        move_id,
                        pick,
                        partner,
                        ddt + timedelta(days=5),
                    )

    def standalone_lots(self, count, deliveries_per_lot, day_span):
        """``count`` lots received 5 per receipt, put away in a bin and
        delivered in ``deliveries_per_lot`` deliveries of 1-5 units, grouped
        by date into pickings of up to 3 moves per bin; 1 % of the delivery
        pickings get a return of 1 unit, 2 % of the lots a scrap. The bulk of
        the volume: written by set-based SQL (``generate_series``) into two
        staging tables, then into the real tables."""
        cr = self.cr
        self.copy.flush()
        cr.execute("SELECT setseed(%s)", (self.rnd.random() - 0.5,))
        cr.execute(
            """
            CREATE TEMP TABLE bench_pk (
                id int, name varchar, origin varchar, ptype int, src int, dst int,
                partner int, date timestamp, return_id int) ON COMMIT DROP;
            CREATE TEMP TABLE bench_mv (
                move_id int, line_id int, picking_id int, ptype int, product_id int,
                lot_id int, src int, dst int, partner int, qty numeric,
                date timestamp, reference varchar, returned_move int,
                scrap_id int) ON COMMIT DROP;
            """
        )
        lots = self._bulk_lots(count, deliveries_per_lot, day_span)
        self._bulk_receipts(lots, 5 * deliveries_per_lot + 100)
        self._bulk_deliveries(deliveries_per_lot)
        self._bulk_scraps()
        self._bulk_write()

    def _reserve(self, table, n):
        first = self.ids[table] + 1
        self.ids[table] += n
        return first

    def _reserve_names(self, prefix, n):
        first = self.seq.get(prefix, 0) + 1
        self.seq[prefix] = first + n - 1
        return first

    def _bulk_lots(self, count, deliveries_per_lot, day_span):
        cr = self.cr
        lot0 = self._reserve("stock_lot", count) - 1
        name0 = self._reserve_names("LOT-", count) - 1
        cr.execute(
            """
            CREATE TEMP TABLE bench_lots ON COMMIT DROP AS
            SELECT i, %(lot0)s + i AS lot_id,
                   (%(products)s::int[])[1 + (i - 1) %% %(np)s] AS product_id,
                   (i - 1) / 5 AS r,
                   %(start)s::timestamp
                     + ((i - 1) / 5 * 5) * %(span)s / %(count)s * interval '1 day'
                     AS dt,
                   (%(bins)s::int[])[1 + ((i - 1) / 5) %% %(nb)s] AS bin_id
              FROM generate_series(1, %(count)s) i;
            INSERT INTO stock_lot (id, name, product_id, company_id, create_date,
                                   write_date, create_uid, write_uid)
            SELECT lot_id, 'LOT-' || lpad((%(name0)s + i)::text, 8, '0'),
                   product_id, %(company)s, dt, dt, %(uid)s, %(uid)s
              FROM bench_lots;
            """,
            {
                "lot0": lot0,
                "name0": name0,
                "products": self.p_lot,
                "np": len(self.p_lot),
                "start": self.start,
                "span": float(day_span),
                "count": count,
                "bins": self.bins.ids,
                "nb": len(self.bins),
                "company": COMPANY,
                "uid": UID,
            },
        )
        self.copy.counts["stock_lot"] += count
        return count

    def _bulk_pickings(self, ptype, n):
        """First id and first name number of ``n`` new pickings of ``ptype``."""
        return (
            self._reserve("stock_picking", n),
            self._reserve_names(f"WH/{ptype.sequence_code}/B", n),
        )

    def _bulk_receipts(self, count, qty):
        """One receipt from a vendor and one put-away per 5 lots."""
        cr = self.cr
        n_pickings = -(-count // 5)
        for ptype, src, dst, hours, origin in (
            (self.in_type, self.supplier_loc.id, None, 0, "BENCH PO"),
            (self.int_type, self.stock.id, "bin", 3, None),
        ):
            pk0, name0 = self._bulk_pickings(ptype, n_pickings)
            mv0 = self._reserve("stock_move", count)
            ml0 = self._reserve("stock_move_line", count)
            params = {
                "pk0": pk0,
                "name": f"WH/{ptype.sequence_code}/B",
                "name0": name0,
                "origin": origin,
                "ptype": ptype.id,
                "src": src,
                "stock": self.stock.id,
                "to_bin": dst == "bin",
                "vendors": self.vendors,
                "partner": origin is not None,
                "hours": hours,
                "mv0": mv0,
                "ml0": ml0,
                "qty": qty,
            }
            cr.execute(
                """
                INSERT INTO bench_pk (id, name, origin, ptype, src, dst, partner, date)
                SELECT %(pk0)s + r, %(name)s || lpad((%(name0)s + r)::text, 7, '0'),
                       %(origin)s, %(ptype)s, %(src)s,
                       CASE WHEN %(to_bin)s THEN bin_id ELSE %(stock)s END,
                       CASE WHEN %(partner)s THEN (%(vendors)s::int[])[
                           1 + floor(random() * cardinality(%(vendors)s::int[]))::int]
                       END,
                       dt + %(hours)s * interval '1 hour'
                  FROM bench_lots WHERE (i - 1) %% 5 = 0;
                INSERT INTO bench_mv (move_id, line_id, picking_id, ptype, product_id,
                                      lot_id, src, dst, qty, date, reference)
                SELECT %(mv0)s + i - 1, %(ml0)s + i - 1, p.id, p.ptype, l.product_id,
                       l.lot_id, p.src, p.dst, %(qty)s, p.date, p.name
                  FROM bench_lots l JOIN bench_pk p ON p.id = %(pk0)s + l.r;
                """,
                params,
            )
            self.done_lines += count

    def _bulk_deliveries(self, per_lot):
        cr = self.cr
        cr.execute(
            """
            CREATE TEMP TABLE bench_ev ON COMMIT DROP AS
            SELECT e.*, dense_rank() OVER (ORDER BY (n - 1) / 3, bin_id) AS p
              FROM (SELECT l.lot_id, l.product_id, l.bin_id,
                           1 + floor(random() * 5) AS qty,
                           row_number() OVER (ORDER BY d.date, l.lot_id) AS n,
                           d.date
                      FROM bench_lots l
                     CROSS JOIN LATERAL (
                           SELECT l.dt + (1 + random() * 120) * interval '1 day'
                                  AS date
                             FROM generate_series(1, %s) k) d) e;
            CREATE TEMP TABLE bench_dp ON COMMIT DROP AS
            SELECT p, MIN(bin_id) AS bin_id, MAX(date) AS date, MIN(n) AS first_n,
                   random() < 0.01 AS returned
              FROM bench_ev GROUP BY p;
            SELECT (SELECT COUNT(*) FROM bench_ev), (SELECT COUNT(*) FROM bench_dp),
                   (SELECT COUNT(*) FROM bench_dp WHERE returned);
            """,
            (per_lot,),
        )
        n_lines, n_pickings, n_returns = cr.fetchone()
        pk0, name0 = self._bulk_pickings(self.out_type, n_pickings)
        mv0 = self._reserve("stock_move", n_lines)
        ml0 = self._reserve("stock_move_line", n_lines)
        rpk0, rname0 = self._bulk_pickings(self.return_type, n_returns)
        rmv0 = self._reserve("stock_move", n_returns)
        rml0 = self._reserve("stock_move_line", n_returns)
        cr.execute(
            """
            INSERT INTO bench_pk (id, name, origin, ptype, src, dst, partner, date)
            SELECT %(pk0)s + p - 1, %(name)s || lpad((%(name0)s + p - 1)::text, 7, '0'),
                   'BENCH SO', %(ptype)s, bin_id, %(customer)s,
                   (%(customers)s::int[])[
                       1 + floor(random() * cardinality(%(customers)s::int[]))::int],
                   date
              FROM bench_dp;
            INSERT INTO bench_mv (move_id, line_id, picking_id, ptype, product_id,
                                  lot_id, src, dst, partner, qty, date, reference)
            SELECT %(mv0)s + e.n - 1, %(ml0)s + e.n - 1, p.id, p.ptype, e.product_id,
                   e.lot_id, p.src, p.dst, p.partner, e.qty, p.date, p.name
              FROM bench_ev e JOIN bench_pk p ON p.id = %(pk0)s + e.p - 1;
            CREATE TEMP TABLE bench_ret ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY dp.p) - 1 AS k, m.*
              FROM bench_dp dp
              JOIN bench_mv m ON m.move_id = %(mv0)s + dp.first_n - 1
             WHERE dp.returned;
            INSERT INTO bench_pk (id, name, origin, ptype, src, dst, partner, date,
                                  return_id)
            SELECT %(rpk0)s + k, %(rname)s || lpad((%(rname0)s + k)::text, 7, '0'),
                   'Return of BENCH ' || picking_id, %(rtype)s, %(customer)s,
                   %(stock)s, partner, date + interval '3 days', picking_id
              FROM bench_ret;
            INSERT INTO bench_mv (move_id, line_id, picking_id, ptype, product_id,
                                  lot_id, src, dst, partner, qty, date, reference,
                                  returned_move)
            SELECT %(rmv0)s + r.k, %(rml0)s + r.k, p.id, p.ptype, r.product_id,
                   r.lot_id, p.src, p.dst, p.partner, 1, p.date, p.name, r.move_id
              FROM bench_ret r JOIN bench_pk p ON p.id = %(rpk0)s + r.k;
            """,
            {
                "pk0": pk0,
                "name": f"WH/{self.out_type.sequence_code}/B",
                "name0": name0,
                "ptype": self.out_type.id,
                "customer": self.customer_loc.id,
                "customers": self.customers,
                "mv0": mv0,
                "ml0": ml0,
                "rpk0": rpk0,
                "rname": f"WH/{self.return_type.sequence_code}/B",
                "rname0": rname0,
                "rtype": self.return_type.id,
                "stock": self.stock.id,
                "rmv0": rmv0,
                "rml0": rml0,
            },
        )
        self.done_lines += n_lines + n_returns

    def _bulk_scraps(self):
        """2 % of the lots: a scrap of 1-5 units from their bin."""
        cr = self.cr
        cr.execute(
            """
            CREATE TEMP TABLE bench_scrap ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY i) - 1 AS k, lot_id, product_id,
                   bin_id, dt + interval '2 days' AS date,
                   1 + floor(random() * 5) AS qty
              FROM bench_lots WHERE random() < 0.02;
            SELECT COUNT(*) FROM bench_scrap;
            """
        )
        n = cr.fetchone()[0]
        sc0 = self._reserve("stock_scrap", n)
        name0 = self._reserve_names("SP/B", n)
        mv0 = self._reserve("stock_move", n)
        ml0 = self._reserve("stock_move_line", n)
        cr.execute(
            """
            INSERT INTO stock_scrap (id, name, company_id, product_id, product_uom_id,
                                     lot_id, location_id, scrap_location_id, scrap_qty,
                                     state, date_done, create_date, write_date,
                                     create_uid, write_uid)
            SELECT %(sc0)s + k, 'SP/B' || lpad((%(name0)s + k)::text, 7, '0'),
                   %(company)s, product_id, %(uom)s, lot_id, bin_id, %(scrap)s, qty,
                   'done', date, date, date, %(uid)s, %(uid)s
              FROM bench_scrap;
            INSERT INTO bench_mv (move_id, line_id, ptype, product_id, lot_id, src,
                                  dst, qty, date, reference, scrap_id)
            SELECT %(mv0)s + k, %(ml0)s + k, NULL, product_id, lot_id, bin_id,
                   %(scrap)s, qty, date,
                   'SP/B' || lpad((%(name0)s + k)::text, 7, '0'), %(sc0)s + k
              FROM bench_scrap;
            """,
            {
                "sc0": sc0,
                "name0": name0,
                "company": COMPANY,
                "uom": UOM_UNIT,
                "scrap": self.scrap_loc.id,
                "uid": UID,
                "mv0": mv0,
                "ml0": ml0,
            },
        )
        self.copy.counts["stock_scrap"] += n
        self.done_lines += n

    def _bulk_write(self):
        """The staged pickings, moves and move lines into the real tables."""
        cr = self.cr
        params = {
            "company": COMPANY,
            "uid": UID,
            "uom": UOM_UNIT,
            "wh": self.wh.id,
            "internal": sorted(self.internal_ids),
        }
        cr.execute(
            """
            INSERT INTO stock_picking (id, name, origin, picking_type_id, location_id,
                location_dest_id, partner_id, company_id, move_type, state, priority,
                scheduled_date, date_done, create_date, write_date, create_uid,
                write_uid, return_id, is_locked)
            SELECT id, name, origin, ptype, src, dst, partner, %(company)s, 'direct',
                   'done', '0', date, date, date, date, %(uid)s, %(uid)s, return_id,
                   true
              FROM bench_pk ORDER BY id;
            INSERT INTO stock_move (id, company_id, product_id, product_uom,
                location_id, location_dest_id, partner_id, picking_id, picking_type_id,
                warehouse_id, state, procure_method, reference, product_qty,
                product_uom_qty, quantity, picked, date, create_date, write_date,
                create_uid, write_uid, origin_returned_move_id, scrap_id, is_in, is_out,
                sequence, priority, price_unit)
            SELECT move_id, %(company)s, product_id, %(uom)s, src, dst, partner,
                   picking_id, ptype, %(wh)s, 'done', 'make_to_stock', reference, qty,
                   qty, qty, true, date, date, date, %(uid)s, %(uid)s, returned_move,
                   scrap_id, dst = ANY(%(internal)s) AND src <> ALL(%(internal)s),
                   src = ANY(%(internal)s) AND dst <> ALL(%(internal)s), 10, '0', 0
              FROM bench_mv ORDER BY move_id;
            INSERT INTO stock_move_line (id, picking_id, move_id, company_id,
                product_id, product_uom_id, lot_id, location_id, location_dest_id,
                state, quantity, quantity_product_uom, picked, date, create_date,
                write_date, create_uid, write_uid)
            SELECT line_id, picking_id, move_id, %(company)s, product_id, %(uom)s,
                   lot_id, src, dst, 'done', qty, qty, true, date, date, date,
                   %(uid)s, %(uid)s
              FROM bench_mv ORDER BY line_id;
            SELECT (SELECT COUNT(*) FROM bench_pk), (SELECT COUNT(*) FROM bench_mv);
            """,
            params,
        )
        n_pickings, n_moves = cr.fetchone()
        self.copy.counts["stock_picking"] += n_pickings
        self.copy.counts["stock_move"] += n_moves
        self.copy.counts["stock_move_line"] += n_moves

    # Probe lots (``--probes``): raw lots whose downstream trace reaches
    # about 10, 100, 1,000, 10,000 and 50,000 lots (the raw lot, its L1 and
    # L2 lots and the finished serials), for the growth benchmark.
    PROBES: ClassVar[dict] = {
        10: {"n_l1": 1, "n_l2_per_l1": 1, "n_mo_per_l2": 1, "n_per_mo": 7},
        100: {"n_l1": 1, "n_l2_per_l1": 1, "n_mo_per_l2": 1, "n_per_mo": 97},
        1000: {"n_l1": 2, "n_l2_per_l1": 2, "n_mo_per_l2": 5, "n_per_mo": 50},
        10000: {"n_l1": 10, "n_l2_per_l1": 4, "n_mo_per_l2": 10, "n_per_mo": 25},
        50000: {"n_l1": 10, "n_l2_per_l1": 4, "n_mo_per_l2": 25, "n_per_mo": 50},
    }

    def hot_chain(self):
        """The hot lot's chain, the same at every scale for one hot scale: its
        own random generator and the customers of scale ``hot_scale``."""
        rnd, customers = self.rnd, self.customers
        self.rnd = random.Random(self.seed)
        self.customers = customers[: max(50, round(5000 * self.hot_scale))]
        log(f"hot chain (hot scale {self.hot_scale})")
        try:
            hot_lot, shipments = self.chain(
                0,
                10,
                n_l1=10,
                n_l2_per_l1=4,
                n_mo_per_l2=10,
                n_per_mo=max(1, round(30 * self.hot_scale)),
                serial=True,
                raw_prefix="HOT-RAW-",
            )
        finally:
            self.rnd, self.customers = rnd, customers
        log(f"hot raw lot id {hot_lot}: {shipments} customer shipments")
        return hot_lot, shipments

    def run(self):
        self.setup_master_data()
        self.cr.execute(
            "SELECT id FROM stock_location WHERE usage IN ('internal', 'transit')"
        )
        self.internal_ids = {r[0] for r in self.cr.fetchall()}
        self.bulk = BulkLoad(self.cr, Copier.ORDER)
        self.bulk.drop()
        s = self.scale
        self.hot_lot, hot_shipments = self.hot_chain()
        if self.probes:
            for i, (target, shape) in enumerate(self.PROBES.items()):
                self.chain(
                    i, 12 + i, serial=True, raw_prefix=f"PROBE-{target:05d}-", **shape
                )
            log(f"probe chains {list(self.PROBES)}; {self.done_lines} lines so far")
        n_chains = max(2, round(30 * s))
        for c in range(n_chains):
            self.chain(
                c + 1,
                20 + c * 25,
                n_l1=2,
                n_l2_per_l1=2,
                n_mo_per_l2=5,
                n_per_mo=10,
                serial=bool(c % 2),
            )
        log(f"{n_chains} more manufacturing chains; {self.done_lines} lines so far")
        n_serials = max(100, round(80_000 * s))
        self.standalone_serials(n_serials, 900)
        log(f"{n_serials} standalone serials; {self.done_lines} lines so far")
        n_lots = max(20, round(8_000 * s))
        target = round(1_000_000 * s)
        # each lot: receipt + transfer + deliveries (+ returns ~1 %)
        per_lot = max(5, -(-(target - self.done_lines) // n_lots) - 2)
        self.standalone_lots(n_lots, per_lot, 900)
        log(f"{n_lots} standalone lots x {per_lot} deliveries; {self.done_lines} lines")
        self.copy.flush()
        self.finish()
        return hot_shipments

    def recompute_addon_fields(self):
        """Stored computed fields of the add-on on the rows written by COPY
        (e.g. the lots' uniqueness keys): computed through the ORM."""
        env = self.env
        firsts = {
            "stock.lot": self.first_lot,
            "stock.move.line": self.first_ml,
            "stock.move": self.first_move,
            "stock.picking": self.first_picking,
        }
        for model_name, first in firsts.items():
            model = env[model_name]
            fields_ = [
                f
                for f in model._fields.values()
                if f.store and f.compute and f._module == benchlib.ADDON
            ]
            if not fields_:
                continue
            env.cr.execute(
                f"SELECT id FROM {model._table} WHERE id > %s ORDER BY id",  # noqa: S608
                (first,),
            )
            ids = [r[0] for r in env.cr.fetchall()]
            log(f"computing {[f.name for f in fields_]} on {len(ids)} {model_name}")
            for start in range(0, len(ids), 20_000):
                records = model.browse(ids[start : start + 20_000])
                for field in fields_:
                    env.add_to_compute(field, records)
                env.flush_all()
                env.invalidate_all()

    def finish(self):
        self.recompute_addon_fields()
        cr = self.cr
        for table, last in self.ids.items():
            cr.execute(f"SELECT setval('{table}_id_seq', %s)", (last,))  # noqa: S608
        log("computing quants from done move lines")
        cr.execute(
            """
            INSERT INTO stock_quant (product_id, company_id, location_id, lot_id,
                                     quantity, reserved_quantity, in_date,
                                     create_date, write_date, create_uid, write_uid)
            SELECT q.product_id, %s, q.location_id, q.lot_id, SUM(q.qty), 0,
                   MIN(q.date), now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
              FROM (SELECT product_id, location_dest_id AS location_id, lot_id,
                           quantity AS qty, date
                      FROM stock_move_line WHERE state = 'done' AND id > %s
                    UNION ALL
                    SELECT product_id, location_id, lot_id, -quantity, date
                      FROM stock_move_line WHERE state = 'done' AND id > %s) q
              JOIN stock_location l ON l.id = q.location_id
             WHERE l.usage IN ('internal', 'transit')
             GROUP BY q.product_id, q.location_id, q.lot_id
            HAVING SUM(q.qty) <> 0
            """,
            (COMPANY, self.first_ml, self.first_ml),
        )
        log(f"{cr.rowcount} quants")
        cr.execute(
            """
            UPDATE stock_lot lot SET location_id = s.location_id
              FROM (SELECT lot_id, MIN(location_id) AS location_id
                      FROM stock_quant WHERE quantity > 0 AND lot_id IS NOT NULL
                     GROUP BY lot_id HAVING COUNT(DISTINCT location_id) = 1) s
             WHERE s.lot_id = lot.id AND lot.id > %s
            """,
            (self.first_lot,),
        )
        self.bulk.restore()
        log("ANALYZE")
        for table in (
            "stock_move_line",
            "stock_move",
            "stock_picking",
            "stock_lot",
            "stock_quant",
            "mrp_production",
            "stock_move_line_consume_rel",
            "stock_scrap",
        ):
            cr.execute(f"ANALYZE {table}")  # noqa: S608


# The stock invariants (serials, negative lots, incoming history, quants
# against moves...) are dev/bench/invariants.py; these are the generator's own.
CHECKS = {
    "lines_inconsistent_with_move": """
        SELECT COUNT(*) FROM stock_move_line ml JOIN stock_move m ON m.id = ml.move_id
         WHERE ml.state = 'done' AND (m.state <> 'done' OR m.product_id <> ml.product_id
            OR m.picking_id IS DISTINCT FROM ml.picking_id)
    """,
    "lots_of_wrong_product": """
        SELECT COUNT(*) FROM stock_move_line ml JOIN stock_lot lot ON lot.id = ml.lot_id
         WHERE lot.product_id <> ml.product_id
    """,
    "duplicate_lot_names": """
        SELECT COUNT(*) FROM (SELECT name FROM stock_lot GROUP BY company_id, name
                               HAVING COUNT(*) > 1) d
    """,
}

HOT_SHIPMENTS_SQL = """
    WITH RECURSIVE lots(lot_id) AS (
        SELECT %s
        UNION
        SELECT fin.lot_id
          FROM lots
          JOIN stock_move_line raw
            ON raw.lot_id = lots.lot_id AND raw.state = 'done'
          JOIN stock_move_line_consume_rel rel ON rel.produce_line_id = raw.id
          JOIN stock_move_line fin
            ON fin.id = rel.consume_line_id AND fin.state = 'done'
    )
    SELECT (SELECT COUNT(*) FROM lots),
           COUNT(*), COUNT(DISTINCT ml.picking_id), COUNT(DISTINCT p.partner_id)
      FROM stock_move_line ml
      JOIN lots ON lots.lot_id = ml.lot_id
      JOIN stock_location d ON d.id = ml.location_dest_id
      JOIN stock_picking p ON p.id = ml.picking_id
     WHERE ml.state = 'done' AND d.usage = 'customer'
"""


def hot_lot_id(env):
    env.cr.execute(
        "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
    )
    row = env.cr.fetchone()
    return row and row[0]


def probe_lots(env):
    """{target: lot id} of the probe lots (``--probes``)."""
    env.cr.execute(
        "SELECT name, id FROM stock_lot WHERE name LIKE 'PROBE-%%' "
        "AND name LIKE '%%-00000001'"
    )
    return {int(name.split("-")[1]): lot_id for name, lot_id in env.cr.fetchall()}


def check(env, scale, hot_scale=None):
    """SQL consistency check + ORM smoke test; raises on any problem."""
    import invariants  # noqa: PLC0415 - dev/bench/invariants.py, needs odoo

    hot_scale = min(scale, 1.0) if hot_scale is None else hot_scale
    cr = env.cr
    problems = []
    counts = invariants.check(cr)
    for name, sql in CHECKS.items():
        cr.execute(sql)
        counts[name] = cr.fetchone()[0]
    for name, n in counts.items():
        log(f"check {name}: {n}")
        if n:
            problems.append(f"{name}: {n}")
    cr.execute("SELECT COUNT(*) FROM stock_move_line WHERE state = 'done'")
    done_lines = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM stock_lot")
    lots = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'")
    customers = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM mrp_production WHERE state = 'done'")
    mos = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM stock_scrap WHERE state = 'done'")
    scraps = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM stock_picking WHERE return_id IS NOT NULL")
    returns = cr.fetchone()[0]
    hot = hot_lot_id(env)
    cr.execute(HOT_SHIPMENTS_SQL, (hot,))
    hot_lots, hot_lines, hot_pickings, hot_partners = cr.fetchone()
    stats = {
        "done_move_lines": done_lines,
        "lots": lots,
        "customers": customers,
        "manufacturing_orders": mos,
        "scraps": scraps,
        "returns": returns,
        "hot_lot_id": hot,
        "hot_downstream_lots": hot_lots,
        "hot_customer_lines": hot_lines,
        "hot_customer_shipments": hot_pickings,
        "hot_customers": hot_partners,
    }
    probes = {}
    for target, lot_id in sorted(probe_lots(env).items()):
        cr.execute(HOT_SHIPMENTS_SQL, (lot_id,))
        probes[target] = cr.fetchone()[0]
        if not target <= probes[target] <= target * 1.1:
            problems.append(f"probe {target} reaches {probes[target]} lots")
    if probes:
        stats["probe_downstream_lots"] = probes
    log(f"stats {json.dumps(stats)}")
    targets = {
        "done_move_lines": 1_000_000 * scale,
        # the hot chain's 12,000 serials (at hot scale 1) do not grow with
        # the scale above the hot scale
        "lots": 100_000 * scale - 12_000 * (scale - hot_scale),
        "customers": 5000 * scale,
        "hot_customer_shipments": 10_000 * hot_scale,
    }
    for key, minimum in targets.items():
        if stats[key] < minimum:
            problems.append(f"{key} = {stats[key]} < {minimum:.0f}")

    # ORM: open lots, pickings, MOs and the traceability report
    lot_model = env["stock.lot"]
    hot_lot = lot_model.browse(hot)
    cr.execute(
        "SELECT id FROM stock_lot WHERE name LIKE 'SN-%%' ORDER BY id DESC LIMIT 5"
    )
    serials = lot_model.browse([r[0] for r in cr.fetchall()])
    cr.execute("SELECT id FROM stock_lot WHERE name LIKE 'LOT-%%' ORDER BY id LIMIT 3")
    lots_sample = lot_model.browse([r[0] for r in cr.fetchall()])
    sample = hot_lot | serials | lots_sample
    sample.read(["name", "product_id", "product_qty", "location_id", "display_name"])
    for lot in sample:
        lot.action_lot_open_transfers()
        env["stock.picking"].search_read(
            [("move_line_ids.lot_id", "=", lot.id)], ["name", "state", "partner_id"]
        )
    report = env["stock.traceability.report"]
    n_report_lines = 0
    for lot in sample:
        lines = report.with_context(
            active_id=lot.id, model="stock.lot"
        )._get_main_lines()
        n_report_lines += len(lines)
        for line in lines[:3]:
            sub = report.with_context(lot_name=lot.name).get_lines(
                line["id"],
                model_name="stock.move.line",
                model_id=line["model_id"],
                level=line["level"] + 30,
            )
            n_report_lines += len(sub)
    cr.execute("SELECT id FROM stock_picking ORDER BY id DESC LIMIT 20")
    pickings = env["stock.picking"].browse([r[0] for r in cr.fetchall()])
    pickings.read(["name", "state", "partner_id", "picking_type_id", "move_ids"])
    pickings.move_ids.read(["product_id", "quantity", "state", "lot_ids"])
    pickings.move_line_ids.read(
        ["lot_id", "quantity", "location_id", "location_dest_id"]
    )
    cr.execute("SELECT id FROM mrp_production ORDER BY id DESC LIMIT 5")
    mos_rec = env["mrp.production"].browse([r[0] for r in cr.fetchall()])
    mos_rec.read(["name", "state", "product_id", "move_raw_ids", "move_finished_ids"])
    mos_rec.move_finished_ids.move_line_ids.read(["lot_id", "consume_line_ids"])
    log(f"ORM smoke test read {len(sample)} lots, report lines {n_report_lines}")
    env.invalidate_all()
    return stats, problems


def read_marker(db):
    try:
        out = benchlib.psql(
            f"SELECT value FROM ir_config_parameter WHERE key = '{MARKER_KEY}'", db=db
        )
    except Exception:  # noqa: BLE001
        return None
    return json.loads(out) if out else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--hot-scale",
        type=float,
        help="size of the hot lot's chain (default: min(scale, 1), so scales "
        "above 1 keep the hot lot of scale 1 and only the background grows)",
    )
    parser.add_argument(
        "--probes",
        action=argparse.BooleanOptionalAction,
        help="add the probe lots of the growth benchmark (default: scale >= 10)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--force", action="store_true", help="rebuild even if reusable")
    parser.add_argument("--check-only", action="store_true")
    args = parser.parse_args(argv)
    if args.hot_scale is None:
        args.hot_scale = min(args.scale, 1.0)
    if args.probes is None:
        args.probes = args.scale >= 10
    t0 = time.time()
    marker = benchlib.db_exists(args.db) and read_marker(args.db)
    wanted = {
        "version": GENERATOR_VERSION,
        "scale": args.scale,
        "hot_scale": args.hot_scale,
        "probes": args.probes,
    }
    if args.check_only or (
        marker and all(marker.get(k) == v for k, v in wanted.items()) and not args.force
    ):
        if not args.check_only:
            log(f"reusing {args.db}: {json.dumps(marker)}")
            return 0
        with benchlib.environment(args.db) as env:
            stats, problems = check(env, args.scale, args.hot_scale)
            if problems:
                log("CONSISTENCY CHECK FAILED: " + "; ".join(problems))
                return 1
            if not marker:
                # data left by a run whose check failed, now fixed: reusable
                env.cr.execute("SELECT pg_database_size(current_database())")
                marker = {
                    **wanted,
                    "seed": args.seed,
                    "checked": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "bytes": env.cr.fetchone()[0],
                    **stats,
                }
                env["ir.config_parameter"].set_param(MARKER_KEY, json.dumps(marker))
                env.cr.commit()
                log(f"marker written: {json.dumps(marker)}")
        log("consistency check passed")
        return 0
    benchlib.create_db_with_addon(args.db, log=log)
    t_gen = time.time()
    with benchlib.environment(
        args.db, context={"tracking_disable": True, "mail_create_nolog": True}
    ) as env:
        gen = Generator(env, args.scale, args.seed, args.hot_scale, args.probes)
        gen.first_ml = gen.ids["stock_move_line"]
        gen.first_lot = gen.ids["stock_lot"]
        gen.first_move = gen.ids["stock_move"]
        gen.first_picking = gen.ids["stock_picking"]
        gen.run()
        env.cr.commit()
        log(f"rows written: {json.dumps(gen.copy.counts)}")
        seconds = {k: round(v, 1) for k, v in gen.copy.seconds.items()}
        log(f"COPY seconds: {json.dumps(seconds)}")
        seconds_data = round(time.time() - t_gen, 1)
        stats, problems = check(env, args.scale, args.hot_scale)
        if problems:
            log("CONSISTENCY CHECK FAILED: " + "; ".join(problems))
            return 1
        env.cr.execute("SELECT pg_database_size(current_database())")
        marker = {
            **wanted,
            "seed": args.seed,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds_total": round(time.time() - t0, 1),
            "seconds_data": seconds_data,
            "bytes": env.cr.fetchone()[0],
            **stats,
        }
        env["ir.config_parameter"].set_param(MARKER_KEY, json.dumps(marker))
        env.cr.commit()
    log(f"consistency check passed in {time.time() - t0:.0f} s: {json.dumps(marker)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The plans of the trace statements never scan ``stock_move_line``.

The trace's cost must follow the size of the trace, not of the table, on
a database that has lived as on a fresh one. A plan is the planner's
choice from its estimates; on a database after write churn (dead index
entries, statistics from a sample) a plain join of the walk to the move
lines turned into a hash join reading every line at each level. The walk
is shaped so that every step is an index lookup whatever the estimates
(:func:`~..tools.trace_engine.lot_graph_query`); this test keeps it so.

It builds in SQL a table of move lines large enough for a scan to be a
real choice (30,000 done lines of 3,000 lots, each consumption line linked
to the lines of two other lots), bloats it as churn does (as many lines
inserted and rolled back: dead entries in every index), analyses it, and
reads the plans of the statements with ``EXPLAIN (FORMAT JSON)`` (the
plan, not the time: nothing runs).
"""

from odoo.tools import SQL

from ..tools import recall_trace_sql, trace_engine
from .common import TraceabilityCase

LOTS = 3000
LINES_PER_LOT = 10


def seq_scans(plan, table="stock_move_line"):
    """The ``Seq Scan`` nodes of ``table`` anywhere in the JSON ``plan``."""
    found = []
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == table:
            found.append(node)
        nodes.extend(node.get("Plans", []))
    return found


class TestTracePlan(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Plan guard serial", "is_storable": True, "tracking": "serial"}
        )
        cls.production = cls.env["stock.location"].search(
            [
                ("usage", "=", "production"),
                ("company_id", "in", [cls.company.id, False]),
            ],
            limit=1,
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.env.flush_all()
        cr = cls.env.cr
        params = {
            "product": cls.product.id,
            "uom": cls.product.uom_id.id,
            "company": cls.company.id,
            "stock": cls.stock_location.id,
            "customer": cls.customers.id,
            "production": cls.production.id,
            "lots": LOTS,
            "lines": LINES_PER_LOT,
        }
        cr.execute(
            SQL(
                """
                INSERT INTO stock_lot (name, product_id, company_id)
                SELECT 'PLAN-' || n, %(product)s, %(company)s
                  FROM generate_series(1, %(lots)s) n
                RETURNING id
                """,
                **params,
            )
        )
        cls.lot_ids = [row[0] for row in cr.fetchall()]
        # per lot: one line into production, the others shipped
        cr.execute(
            SQL(
                """
                INSERT INTO stock_move_line (
                    company_id, product_id, product_uom_id, lot_id, location_id,
                    location_dest_id, state, quantity, quantity_product_uom, date)
                SELECT %(company)s, %(product)s, %(uom)s, lot.id, %(stock)s,
                       CASE WHEN k = 1 THEN %(production)s ELSE %(customer)s END,
                       'done', 1, 1, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(lot_ids)s::int[]) AS lot(id)
                 CROSS JOIN generate_series(1, %(lines)s) k
                """,
                lot_ids=cls.lot_ids,
                **params,
            )
        )
        # statistics of the lines written, so that the next statement is
        # planned on them (a join planned on the empty table's would loop)
        cr.execute("ANALYZE stock_move_line")
        # the consumption line of lot n makes the lines of lots 2n and 2n+1
        cr.execute(
            SQL(
                """
                WITH lot AS (
                    SELECT id, n
                      FROM unnest(%(lot_ids)s::int[]) WITH ORDINALITY AS l(id, n))
                INSERT INTO stock_move_line_consume_rel (
                    produce_line_id, consume_line_id)
                SELECT c.id, f.id
                  FROM lot consumed
                 CROSS JOIN generate_series(0, 1) g
                  JOIN lot made ON made.n = consumed.n * 2 + g
                  JOIN stock_move_line c
                    ON c.lot_id = consumed.id
                   AND c.location_dest_id = %(production)s
                  JOIN stock_move_line f
                    ON f.lot_id = made.id AND f.location_dest_id <> %(production)s
                """,
                lot_ids=cls.lot_ids,
                **params,
            )
        )
        # churn: as many lines inserted and rolled back (dead index entries)
        cr.execute("SAVEPOINT trace_plan_churn")
        cr.execute(
            """
            INSERT INTO stock_move_line (
                company_id, product_id, product_uom_id, lot_id, location_id,
                location_dest_id, state, quantity, quantity_product_uom, date)
            SELECT company_id, product_id, product_uom_id, lot_id, location_id,
                   location_dest_id, state, quantity, quantity_product_uom, date
              FROM stock_move_line
            """
        )
        cr.execute("ROLLBACK TO SAVEPOINT trace_plan_churn")
        # ANALYZE is transactional: the statistics go with the test
        cr.execute("ANALYZE stock_move_line, stock_move_line_consume_rel, stock_lot")
        cls.follow_unbuild = "unbuild_id" in cls.env["stock.move"]._fields

    def explain(self, query):
        [[plans]] = self.env.execute_query(SQL("EXPLAIN (FORMAT JSON) %s", query))
        return plans[0]["Plan"]

    def assertNoSeqScan(self, query, what):
        scans = seq_scans(self.explain(query))
        self.assertFalse(
            scans,
            f"{what}: the plan scans stock_move_line ({len(scans)} Seq Scan node(s): "
            f"{[scan.get('Alias') for scan in scans]})",
        )

    def test_data_is_large_enough(self):
        """The guard means something: a scan of the move lines is a real
        choice for the planner on this data (30,000 lines, and the rolled
        back ones in the indexes)."""
        [[lines, rel]] = self.env.execute_query(
            SQL(
                "SELECT (SELECT COUNT(*) FROM stock_move_line WHERE lot_id = ANY(%s)),"
                " (SELECT COUNT(*) FROM stock_move_line_consume_rel)",
                self.lot_ids,
            )
        )
        self.assertEqual(lines, LOTS * LINES_PER_LOT)
        self.assertGreaterEqual(rel, LOTS - 2)
        # one level of the walk reaches the lots made from the seed
        trace = self.env["stock.lot"].browse(self.lot_ids[0])._trace_downstream()
        self.assertLessEqual(set(self.lot_ids[1:3]), set(trace.lots.ids))

    def test_walk_never_scans_move_lines(self):
        for direction in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            for company_ids in ([self.company.id], None):
                query = trace_engine.lot_graph_query(
                    self.lot_ids[:1],
                    direction,
                    company_ids,
                    follow_unbuild=self.follow_unbuild,
                )
                self.assertNoSeqScan(query, f"walk {direction} {company_ids}")

    def test_traced_lines_never_scan_move_lines(self):
        lot_ids = self.lot_ids[:500]
        self.assertNoSeqScan(
            trace_engine.lot_move_lines_query(lot_ids, [self.company.id]),
            "lines of the traced lots",
        )
        self.assertNoSeqScan(
            recall_trace_sql.done_lines_query(
                lot_ids,
                [self.company.id],
                ["downstream"] * len(lot_ids),
                self.env["stock.location"]._get_subcontracting_location_ids(),
            ),
            "lines of the stored recall",
        )

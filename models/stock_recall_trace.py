# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from . import recall_trace_sql, trace_engine


class StockRecall(models.Model):
    """The stored trace of a recall: the graph walk of its seed lots
    (:mod:`.trace_engine`) and the statement that writes the affected lots,
    events, shipments and stock from it (:mod:`.recall_trace_sql`)."""

    _inherit = "stock.recall"

    def _get_trace_company_ids(self):
        """The recall follows the lots into every company its user may see."""
        self.ensure_one()
        return (self.company_id | self.env.user.company_ids).ids

    def _get_trace_rows(self, company_ids=False):
        """Affected lots as ``(lot_id, depth, direction, path)`` tuples, in
        ``company_ids`` (default: the recall's, ``None``: every company)."""
        self.ensure_one()
        if company_ids is False:
            company_ids = self._get_trace_company_ids()
        found = {}
        for direction in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            if self.direction not in (direction, "both"):
                continue
            rows = self.lot_ids._trace_graph(direction, company_ids)
            for lot_id, depth, path in rows:
                if lot_id in found:
                    continue
                found[lot_id] = (
                    lot_id,
                    depth,
                    direction if depth else "seed",
                    ",".join(map(str, path)),
                )
        return list(found.values())

    def _trace(self, rows=None):
        """Store the trace: the affected lots with their mass balance and
        the ids of their lines, and the stock.

        Set-based: after the graph walk, one statement writes the affected
        lots and the stock from the done lines of the affected lots, read
        once. Its cost follows the size of the recall, not of the database:
        the lines are read lot by lot through the lot index and their move
        and transfer by primary key (see
        :func:`.trace_engine.done_lines_sql`). The events and the customer
        shipments are views over the lines kept on the affected lots
        (:mod:`.recall_trace_sql`): nothing more is written per line.
        """
        self.ensure_one()
        self.env.flush_all()
        if rows is None:
            rows = self._get_trace_rows()
        params = self._get_trace_params(rows)
        self.env.execute_query(recall_trace_sql.delete_results_query(self.id))
        # The inflated row estimate would also make PostgreSQL compile the
        # statement (JIT), which costs more than the index lookups it runs.
        # SET LOCAL: back to the server's setting at the end of the transaction.
        self.env.execute_query(SQL("SET LOCAL jit = off"))
        [[shipments, customers]] = self.env.execute_query(
            self._trace_query(rows, params)
        )
        self.env.invalidate_all()
        self.write(
            {
                "date_traced": fields.Datetime.now(),
                "shipment_count": shipments,
                "customer_count": customers,
                **self._get_hidden_counts(rows),
            }
        )

    def _get_hidden_counts(self, rows):
        """What the trace reaches outside the user's companies: a recall never
        stops there silently, it counts the lots and shipments it cannot show."""
        companies = self._get_trace_company_ids()
        if (
            not self.env["res.company"]
            .sudo()
            .search_count([("id", "not in", companies)], limit=1)
        ):
            # the user sees every company: nothing can be outside
            return {"hidden_lot_count": 0, "hidden_shipment_count": 0}
        every_row = self._get_trace_rows(company_ids=None)
        shown = {row[0] for row in rows}
        customer_lot_ids = [row[0] for row in every_row if row[2] != "upstream"]
        [[hidden_shipments]] = self.env.execute_query(
            recall_trace_sql.hidden_shipments_query(customer_lot_ids, companies)
        )
        return {
            "hidden_lot_count": sum(row[0] not in shown for row in every_row),
            "hidden_shipment_count": hidden_shipments,
        }

    def _get_trace_params(self, rows):
        """Parameters of the trace statement for the affected ``rows``
        (see :func:`.recall_trace_sql.trace_query`)."""
        self.ensure_one()
        return {
            "recall": self.id,
            "companies": self._get_trace_company_ids(),
            "all_lot_ids": [row[0] for row in rows],
            "directions": [row[2] for row in rows],
        }

    @api.model
    def _trace_query(self, rows, params):
        """The trace statement (:func:`.recall_trace_sql.trace_query`)."""
        return recall_trace_sql.trace_query(rows, params, self.BALANCE_TOLERANCE)

    @api.model
    def _done_lines_query(self, params):
        """The ``lines`` of the trace statement
        (:func:`.recall_trace_sql.done_lines_query`)."""
        return recall_trace_sql.done_lines_query(
            params["all_lot_ids"], params["companies"], params["directions"]
        )

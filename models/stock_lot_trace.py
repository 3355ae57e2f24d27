# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: trace API (issue 5), genealogy and the recalls of a lot."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import trace_engine


class StockLot(models.Model):
    _inherit = "stock.lot"

    recall_count = fields.Integer(
        string="Recalls",
        compute="_compute_recall_count",
        help="Recalls that start from this lot or reached it.",
    )

    # The trace engine over RPC: read only, so that a deployment with a
    # PostgreSQL replica (``db_replica_host``) serves it there.
    @api.readonly
    def get_trace(self, direction=trace_engine.DOWNSTREAM):
        """Where these lots went (``downstream``) or came from
        (``upstream``), to any depth, within the allowed companies.

        :returns: ``{"direction", "lot_ids" (by depth, seeds first),
            "move_line_ids" (oldest first), "depth": {lot_id: depth},
            "path": {lot_id: [seed_lot_id, ..., lot_id]}}``, lot ids as
            strings in the keys (JSON)
        """
        if direction not in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            raise UserError(
                self.env._(
                    "Unknown trace direction %(direction)s: use %(down)s or %(up)s.",
                    direction=direction,
                    down=trace_engine.DOWNSTREAM,
                    up=trace_engine.UPSTREAM,
                )
            )
        self.check_access("read")
        trace = self._trace_lots(direction)
        return {
            "direction": direction,
            "lot_ids": trace.lots.ids,
            "move_line_ids": trace.move_lines.ids,
            "depth": {str(lot_id): depth for lot_id, depth in trace.depth.items()},
            "path": {str(lot_id): list(path) for lot_id, path in trace.path.items()},
        }

    def _trace_downstream(self, company_ids=None):
        """Where these lots went, to any depth.

        Follows manufacturing (``consume_line_ids`` / ``produce_line_ids``)
        and unbuilds into the lots made from these lots, recursively; the
        transfers, deliveries, returns and scraps of every reached lot are in
        ``move_lines``. Two queries whatever the depth or breadth.

        :param company_ids: ids of the companies whose move lines are
            followed; defaults to the allowed companies (``env.companies``)
        :returns: a :class:`~.trace_engine.LotTrace`
        """
        return self._trace_lots(trace_engine.DOWNSTREAM, company_ids)

    def _trace_upstream(self, company_ids=None):
        """Where these lots came from, to any depth: the component lots
        consumed to make them, recursively, and (in ``move_lines``) their
        receipts from vendors. Same contract as :meth:`_trace_downstream`."""
        return self._trace_lots(trace_engine.UPSTREAM, company_ids)

    def _trace_graph(self, direction, company_ids):
        """Rows ``(lot_id, depth, path)`` of the lots reached from these lots
        (seeds included), in one query; see
        :func:`~.trace_engine.lot_graph_query`."""
        self.env["stock.move.line"].flush_model(
            [
                "lot_id",
                "state",
                "company_id",
                "date",
                "consume_line_ids",
                "move_id",
                "product_id",
                "location_id",
                "location_dest_id",
            ]
        )
        follow_unbuild = "unbuild_id" in self.env["stock.move"]._fields
        if follow_unbuild:
            self.env["stock.move"].flush_model(["unbuild_id"])
        # The planner's estimate of lines per lot is far too high on large
        # databases, and would have PostgreSQL compile the statement (JIT:
        # ~0.75 s) to run index lookups that take ~0.1 s. SET LOCAL: back to
        # the server's setting at the end of the transaction (one round trip).
        return self.env.execute_query(
            SQL(
                "SET LOCAL jit = off; %s",
                trace_engine.lot_graph_query(
                    self.ids, direction, company_ids, follow_unbuild=follow_unbuild
                ),
            )
        )

    def _trace_lots(self, direction, company_ids=None):
        if company_ids is None:
            company_ids = self.env.companies.ids
        rows = self._trace_graph(direction, company_ids)
        rows.sort(key=lambda row: (row[1], row[0]))
        lot_ids = [row[0] for row in rows]
        line_ids = [
            row[0]
            for row in self.env.execute_query(
                trace_engine.lot_move_lines_query(lot_ids, company_ids)
            )
        ]
        return trace_engine.LotTrace(
            direction,
            self.browse(lot_ids),
            self.env["stock.move.line"].browse(line_ids),
            {row[0]: row[1] for row in rows},
            {row[0]: tuple(row[2]) for row in rows},
        )

    def action_start_recall(self):
        """Open a new recall seeded with these lots (form button, list action)."""
        return self.env["stock.recall"].action_new_from_lots(self)

    @api.readonly
    def get_genealogy(self, threshold=None):
        """The genealogy of this lot as a recall of it would draw it, without
        creating the recall (see ``stock.recall.get_genealogy``)."""
        self.ensure_one()
        self.check_access("read")
        recall = self.env["stock.recall"]
        lot_rows, shipment_rows = recall._get_genealogy_live_rows(self)
        return recall._get_genealogy_graph(
            lot_rows, shipment_rows, "stock.move.line", threshold
        )

    def action_open_genealogy(self):
        """The genealogy client action of this lot (form button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "stock_lot_traceability.genealogy",
            "name": self.env._("Genealogy of %(lot)s", lot=self.display_name),
            "params": {"res_model": self._name, "res_id": self.id},
        }

    def _get_recall_domain(self):
        return [
            "|",
            ("lot_ids", "in", self.ids),
            ("affected_lot_ids.lot_id", "in", self.ids),
        ]

    def _compute_recall_count(self):
        """Recalls listing each lot as seed or affected lot (two grouped reads)."""
        recalls = defaultdict(set)
        for lot, recall_ids in self.env["stock.recall.lot"]._read_group(
            [("lot_id", "in", self.ids)], ["lot_id"], ["recall_id:array_agg"]
        ):
            recalls[lot].update(recall_ids)
        for lot, recall_ids in self.env["stock.recall"]._read_group(
            [("lot_ids", "in", self.ids)], ["lot_ids"], ["id:array_agg"]
        ):
            recalls[lot].update(recall_ids)
        for lot in self:
            lot.recall_count = len(recalls.get(lot, ()))

    def action_view_recalls(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_recall_action"
        )
        action["domain"] = self._get_recall_domain()
        action["context"] = {}
        return action

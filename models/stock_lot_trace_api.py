# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.exceptions import UserError

from . import trace_engine


class StockLot(models.Model):
    """The trace engine over RPC: read only, so that a deployment with a
    PostgreSQL replica (``db_replica_host``) serves it there."""

    _inherit = "stock.lot"

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

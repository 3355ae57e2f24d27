# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import TableKind, drop_view_if_exists, table_kind

_logger = logging.getLogger(__name__)


class StockRecallLineMixin(models.AbstractModel):
    """A row of a recall trace for one done move line of an affected lot
    (events, customer shipments): an SQL view over the lines that the trace
    kept on its affected lots (``stock_recall_lot.traced_line_ids``, see
    :mod:`.recall_trace_sql`), so read-only."""

    _name = "stock.recall.line.mixin"
    _description = "Recall Move Line Row"

    recall_id = fields.Many2one("stock.recall", readonly=True)
    company_id = fields.Many2one(related="recall_id.company_id")
    move_line_id = fields.Many2one("stock.move.line", string="Move Line", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", readonly=True)

    def _as_query(self, ordered=True):
        """Reading rows by id: also filter on the recall and the move line
        that the id is made of (see :func:`.recall_trace_sql.event_view_query`),
        so that PostgreSQL reads the lines of those rows only, not every line
        of every trace."""
        query = super()._as_query(ordered)
        ids = [id_ for id_ in self._ids if isinstance(id_, int)]
        if ids:
            table = self._table
            query.add_where(
                SQL(
                    "%s = ANY(%s) AND %s = ANY(%s)",
                    SQL.identifier(table, "recall_id"),
                    sorted({id_ >> 32 for id_ in ids}),
                    SQL.identifier(table, "move_line_id"),
                    sorted({(id_ & 0xFFFFFFFF) >> 1 for id_ in ids}),
                )
            )
        return query

    def _view_query(self):
        """The ``SELECT`` of the model's view (``odoo.tools.SQL``)."""
        raise NotImplementedError

    def _create_view(self):
        """(Re)create the view of the model (its ``init()``)."""
        if table_kind(self.env.cr, self._table) == TableKind.Regular:
            # the stored table of a release before 19.0.1.3.0: its
            # migration keeps what the table holds, drops it and calls this
            _logger.info("%s is still a table: its view comes later", self._table)
            return
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL


class StockRecallNotice(models.Model):
    """The last notice sent for a customer row of a recall (a shipment or a
    return of one move line): the only state of ``stock.recall.shipment``,
    whose rows are a view. Kept per recall, move line and kind, so a new
    trace never makes a notified customer look unnotified."""

    _name = "stock.recall.notice"
    _description = "Recall Customer Notice"
    _log_access = False

    recall_id = fields.Many2one(
        "stock.recall", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="recall_id.company_id")
    move_line_id = fields.Many2one(
        "stock.move.line", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [("shipment", "Shipment"), ("return", "Customer Return")], required=True
    )
    notified_date = fields.Datetime(string="Notified On")
    message_id = fields.Many2one("mail.message", string="Notice", ondelete="set null")

    _recall_line_kind_unique = models.UniqueIndex("(recall_id, move_line_id, kind)")

    @api.model
    def _record(self, notices, date):
        """Record ``notices`` (``(recall id, move line id, kind, mail.message
        id)`` tuples) sent on ``date``, in one statement."""
        self.env.execute_query(
            SQL(
                """
                INSERT INTO stock_recall_notice
                       (recall_id, move_line_id, kind, notified_date, message_id)
                SELECT n.recall_id, n.move_line_id, n.kind, %(date)s, n.message_id
                  FROM unnest(%(recalls)s::int[], %(lines)s::int[],
                              %(kinds)s::varchar[], %(messages)s::int[])
                       AS n(recall_id, move_line_id, kind, message_id)
                ON CONFLICT (recall_id, move_line_id, kind) DO UPDATE
                   SET notified_date = EXCLUDED.notified_date,
                       message_id = EXCLUDED.message_id
                """,
                date=date,
                recalls=[notice[0] for notice in notices],
                lines=[notice[1] for notice in notices],
                kinds=[notice[2] for notice in notices],
                messages=[notice[3] for notice in notices],
            )
        )
        self.invalidate_model()

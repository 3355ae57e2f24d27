# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockRecallLineCustomer(models.Model):
    """The customer that a sale document names for a traced line whose
    transfer names none: a point-of-sale order sold at a session whose stock
    is updated at closing (Odoo's transfer of the session has no customer).
    Written by the trace (:func:`.recall_trace_sql.named_customers_query`),
    read by the view of customer shipments, which cannot read the
    point-of-sale tables (the add-on does not depend on that app)."""

    _name = "stock.recall.line.customer"
    _description = "Recall Customer Named by a Sale"
    _log_access = False

    recall_id = fields.Many2one(
        "stock.recall", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="recall_id.company_id")
    move_line_id = fields.Many2one("stock.move.line", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )

    _recall_line_unique = models.UniqueIndex("(recall_id, move_line_id)")

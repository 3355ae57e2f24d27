# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockRecallLineMixin(models.AbstractModel):
    """A row that a recall trace stores for one done move line of an
    affected lot (events, customer shipments)."""

    _name = "stock.recall.line.mixin"
    _description = "Recall Move Line Row"

    recall_id = fields.Many2one(
        "stock.recall", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="recall_id.company_id")
    # indexed: deleting any move line checks this foreign key
    move_line_id = fields.Many2one(
        "stock.move.line",
        string="Move Line",
        required=True,
        ondelete="cascade",
        index=True,
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial")

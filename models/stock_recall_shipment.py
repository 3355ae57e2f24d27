# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockRecallShipment(models.Model):
    """A customer delivery of an affected lot."""

    _name = "stock.recall.shipment"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Customer Shipment"
    _order = "recall_id, partner_id, date, id"
    # filled by one INSERT .. SELECT per trace (see stock.recall.event)
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    delivery_partner_id = fields.Many2one(
        related="move_line_id.picking_id.partner_id", string="Delivery Address"
    )
    date = fields.Datetime()
    picking_id = fields.Many2one(related="move_line_id.picking_id", string="Document")
    product_id = fields.Many2one(related="move_line_id.product_id")
    quantity = fields.Float(digits="Product Unit")
    uom_id = fields.Many2one(related="move_line_id.product_uom_id", string="Unit")
    product_qty = fields.Float(string="Quantity (Product Unit)", digits="Product Unit")
    notified = fields.Boolean()

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class StockRecallShipment(models.Model):
    """A customer delivery of an affected lot."""

    _name = "stock.recall.shipment"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Customer Shipment"
    _order = "recall_id, partner_id, date, id"
    # filled by one INSERT .. SELECT per trace (see stock.recall.event)
    _log_access = False

    kind = fields.Selection(
        [("shipment", "Shipment"), ("return", "Customer Return")],
        default="shipment",
        required=True,
        help="A customer return is a row with a negative quantity: the sum per "
        "customer is what the customer still holds.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    customer_name = fields.Char(
        string="Customer Name",
        compute="_compute_customer_name",
        help="The customer, or 'Anonymous retail customer' for a sale without "
        "one (point of sale).",
    )
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

    @api.depends("partner_id")
    def _compute_customer_name(self):
        anonymous = self.env._("Anonymous retail customer")
        for shipment in self:
            shipment.customer_name = shipment.partner_id.display_name or anonymous

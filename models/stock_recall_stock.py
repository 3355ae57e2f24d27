# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockRecallStock(models.Model):
    """Where the affected quantities are: on hand, in transit, consumed,
    scrapped or returned, per lot and location."""

    _name = "stock.recall.stock"
    _description = "Recall Stock Position"
    _order = "recall_id, kind, lot_id, location_id"
    _log_access = False

    recall_id = fields.Many2one(
        "stock.recall", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="recall_id.company_id")
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial")
    product_id = fields.Many2one("product.product")
    location_id = fields.Many2one("stock.location", string="Location")
    kind = fields.Selection(
        [
            ("on_hand", "On Hand"),
            ("in_transit", "In Transit"),
            ("between_companies", "Between Companies"),
            ("consumed", "Consumed in Production"),
            ("scrapped", "Scrapped"),
            ("returned", "Returned by Customers"),
        ],
        required=True,
    )
    quantity = fields.Float(digits="Product Unit")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    is_quarantine = fields.Boolean(related="location_id.is_quarantine")

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The lines of a retroactive assignment run: one split quant each."""

from odoo import fields, models


class StockLotAssignRunLine(models.Model):
    _name = "stock.lot.assign.run.line"
    _description = "Retroactive Lot/Serial Assignment Line"
    _order = "run_id, id"

    run_id = fields.Many2one(
        "stock.lot.assign.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    row = fields.Integer()
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    location_id = fields.Many2one("stock.location", required=True, readonly=True)
    package_id = fields.Many2one("stock.package", readonly=True)
    owner_id = fields.Many2one("res.partner", readonly=True)
    in_date = fields.Datetime(string="Incoming Date", readonly=True)
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", readonly=True, index=True
    )
    quantity = fields.Float(digits="Product Unit", readonly=True)
    # indexed: the recall mass balance joins the history lines on it
    move_line_id = fields.Many2one(
        "stock.move.line", string="History Line", readonly=True, index="btree_not_null"
    )

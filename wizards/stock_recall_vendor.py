# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.fields import Domain


class StockRecallVendor(models.TransientModel):
    """Start a recall from a vendor's lot: the lots received from that vendor
    whose name or reference matches the vendor's lot code."""

    _name = "stock.recall.vendor"
    _inherit = "stock.recall.product"
    _description = "Start a Recall from a Vendor Lot"

    product_id = fields.Many2one(required=False)
    partner_id = fields.Many2one("res.partner", string="Vendor", required=True)
    vendor_lot = fields.Char(string="Vendor Lot", required=True)

    @api.depends(
        "partner_id", "vendor_lot", "product_id", "date_from", "date_to", "company_id"
    )
    def _compute_lot_ids(self):
        return super()._compute_lot_ids()

    def _get_lot_line_domain(self):
        self.ensure_one()
        vendor_lot = (self.vendor_lot or "").strip()
        domain = Domain(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "done"),
                ("location_id.usage", "=", "supplier"),
                (
                    "picking_id.partner_id",
                    "child_of",
                    self.partner_id.commercial_partner_id.id,
                ),
            ]
        ) & (
            Domain("lot_id.name", "=ilike", vendor_lot)
            | Domain("lot_id.ref", "=ilike", vendor_lot)
        )
        if self.product_id:
            domain &= Domain("product_id", "=", self.product_id.id)
        if self.date_from:
            domain &= Domain("date", ">=", self.date_from)
        if self.date_to:
            domain &= Domain("date", "<=", self.date_to)
        return domain

    def _find_lots(self):
        self.ensure_one()
        if not (self.partner_id and self.vendor_lot):
            return self.env["stock.lot"]
        groups = self.env["stock.move.line"]._read_group(
            self._get_lot_line_domain(), ["lot_id"]
        )
        return self.env["stock.lot"].union(*(lot for (lot,) in groups))

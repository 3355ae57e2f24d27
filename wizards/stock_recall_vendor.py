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

    def _get_lot_source_domain(self):
        """Received from this vendor, under the vendor's lot code."""
        vendor_lot = (self.vendor_lot or "").strip()
        return Domain(
            [
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

    def _can_find_lots(self):
        return bool(self.partner_id and self.vendor_lot)

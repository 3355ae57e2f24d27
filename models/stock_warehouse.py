# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine Location",
        domain="[('is_quarantine', '=', True)]",
        check_company=True,
    )

    def _get_locations_values(self, vals, code=False):
        """Every warehouse gets a Quarantine location for blocked lots; the
        standard ``_create_missing_locations`` adds it to existing ones."""
        sub_locations = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get(
            "company_id", self.default_get(["company_id"])["company_id"]
        )
        sub_locations["quarantine_location_id"] = {
            "name": self.env._("Quarantine"),
            "active": True,
            "usage": "internal",
            "is_quarantine": True,
            "replenish_location": False,
            "barcode": self._valid_barcode(code + "QUARANTINE", company_id),
        }
        return sub_locations

    def _create_quarantine_locations(self):
        """Give existing warehouses their Quarantine location (install hook)."""
        for warehouse in self.filtered(lambda wh: not wh.quarantine_location_id):
            warehouse._create_missing_locations({})

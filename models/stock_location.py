# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    is_quarantine = fields.Boolean(
        string="Quarantine Location",
        help="Blocked lots may be moved into this location.",
    )

    def _accepts_blocked_lots(self):
        """A blocked lot may only go to quarantine, scrap (inventory loss)
        or back to a vendor."""
        self.ensure_one()
        return self.is_quarantine or self.usage in ("inventory", "supplier")

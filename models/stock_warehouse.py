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

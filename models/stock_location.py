# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    is_quarantine = fields.Boolean(
        string="Quarantine Location",
        help="Blocked lots may be moved into this location.",
    )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    strict_traceability = fields.Boolean(
        related="company_id.strict_traceability",
        readonly=False,
    )

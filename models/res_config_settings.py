# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    strict_traceability = fields.Boolean(
        related="company_id.strict_traceability",
        readonly=False,
    )
    serial_uniqueness_scope = fields.Selection(
        related="company_id.serial_uniqueness_scope",
        readonly=False,
    )
    traceability_single_unit = fields.Boolean(
        related="company_id.traceability_single_unit",
        readonly=False,
    )
    traceability_no_phantom_lots = fields.Boolean(
        related="company_id.traceability_no_phantom_lots",
        readonly=False,
    )
    expired_lot_policy = fields.Selection(
        related="company_id.expired_lot_policy",
        readonly=False,
    )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    strict_traceability = fields.Boolean(
        string="Strict Traceability",
        default=True,
        help="Master switch of the strict lot/serial integrity rules.",
    )

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
    traceability_job_assign_threshold = fields.Integer(
        related="company_id.traceability_job_assign_threshold",
        readonly=False,
    )
    traceability_job_trace_threshold = fields.Integer(
        related="company_id.traceability_job_trace_threshold",
        readonly=False,
    )
    traceability_job_export_threshold = fields.Integer(
        related="company_id.traceability_job_export_threshold",
        readonly=False,
    )
    traceability_guarantee_warning = fields.Text(
        string="Guarantee Not Enforced",
        compute="_compute_traceability_guarantee_warning",
        help="A rule the database does not enforce yet, and why.",
    )

    def _compute_traceability_guarantee_warning(self):
        # Read from the database catalog on every display: no stored flag
        # that could say "enforced" while the index is missing.
        warning = self.env["stock.lot"].sudo()._traceability_unique_index_warning()
        for settings in self:
            settings.traceability_guarantee_warning = warning

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    strict_traceability = fields.Boolean(
        string="Strict Traceability",
        default=True,
        help="Master switch of the strict lot/serial integrity rules.",
    )
    serial_uniqueness_scope = fields.Selection(
        [
            ("product", "Per product"),
            ("company", "Per company, across products"),
            ("global", "Across companies"),
        ],
        string="Serial Number Uniqueness",
        default="product",
        required=True,
        help="Where a serial number must be unique. Lots stay unique per product.",
    )
    traceability_single_unit = fields.Boolean(
        string="One Unit per Serial Number",
        default=True,
        help="A serial number is on hand at most once across internal and transit "
        "locations; receiving one already on hand is refused.",
    )
    traceability_no_phantom_lots = fields.Boolean(
        string="No Phantom Lots",
        default=True,
        help="A lot/serial number can only leave an internal location where it is "
        "on hand: no negative lot quantities.",
    )
    expired_lot_policy = fields.Selection(
        [
            ("block", "Block"),
            ("override", "Block, managers may override with a reason"),
            ("warn", "Warn only"),
        ],
        string="Expired Lots",
        default="block",
        required=True,
        help="Shipping to a customer or consuming in manufacturing a lot past its "
        "expiration date.",
    )
    traceability_job_assign_threshold = fields.Integer(
        string="Background Assignment Above",
        default=2000,
        help="Assignments of more rows than this run as a background job with a "
        "progress bar; 0: always in the request.",
    )
    traceability_job_trace_threshold = fields.Integer(
        string="Background Recall Trace Above",
        default=5000,
        help="Recall traces reaching more lots than this run as a background job "
        "with a progress bar; 0: always in the request.",
    )
    traceability_job_export_threshold = fields.Integer(
        string="Background Recall Export Above",
        default=20000,
        help="Exports (FSMA 204, customer list) of recalls with more rows (events "
        "and customer shipments) than this run as a background job; the file is "
        "attached to the recall. 0: always in the request.",
    )

    @api.model
    def _traceability_strict(self, company=None):
        """Whether the strict lot/serial rules apply in ``company``; records
        without a company follow the current company."""
        return bool((company or self.env.company).strict_traceability)

    def _traceability_strict_companies(self):
        """These companies that apply the strict rules (filter of a
        recordset, e.g. ``lines.company_id``)."""
        return self.filtered("strict_traceability")

    def write(self, vals):
        # Serial uniqueness (A1): a new scope must hold for the existing
        # serial numbers; the uniqueness keys of the lots follow the setting.
        scope = vals.get("serial_uniqueness_scope")
        if scope:
            self.env["stock.lot"]._check_traceability_scope_change(self, scope)
        res = super().write(vals)
        if scope or "strict_traceability" in vals:
            self.env["stock.lot"]._traceability_recompute_keys(self)
            # New keys may have cleared the last duplicates blocking the index.
            self.env["stock.lot"]._traceability_ensure_unique_index()
        return res

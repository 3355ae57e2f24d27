# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ExpiryPickingConfirmation(models.TransientModel):
    _inherit = "expiry.picking.confirmation"

    strict_expiry = fields.Boolean(compute="_compute_expiry_policy")
    can_override_expiry = fields.Boolean(compute="_compute_expiry_policy")
    override_reason = fields.Char(
        string="Override Reason",
        help="Why these expired lots are used anyway; logged on each lot and document.",
    )

    @api.depends("lot_ids")
    @api.depends_context("uid", "company")
    def _compute_expiry_policy(self):
        company = self.env.company
        strict = self.env["res.company"]._traceability_strict(company)
        policy = strict and company.expired_lot_policy
        manager = self.env.user.has_group("stock.group_stock_manager")
        for wizard in self:
            wizard.strict_expiry = policy in ("block", "override")
            wizard.can_override_expiry = manager and policy == "override"

    def _with_override_reason(self):
        if self.override_reason and self.can_override_expiry:
            return self.with_context(slt_expired_lot_reason=self.override_reason)
        return self

    def process(self):
        return super(ExpiryPickingConfirmation, self._with_override_reason()).process()

    def confirm_produce(self):
        # Button of mrp_product_expiry's variant of this dialog.
        return super(
            ExpiryPickingConfirmation, self._with_override_reason()
        ).confirm_produce()

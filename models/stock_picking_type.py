# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError


class StockPickingType(models.Model):
    # Odoo's operation types have no chatter; the add-on logs who turned
    # "Create New" on for a delivery type, so it adds one.
    _name = "stock.picking.type"
    _inherit = ["stock.picking.type", "mail.thread"]  # noqa: RUF012

    use_create_lots = fields.Boolean(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        picking_types = super().create(vals_list)
        picking_types._check_traceability_create_new()
        return picking_types

    def write(self, vals):
        before = self.browse()
        if {"use_create_lots", "code", "company_id"} & set(vals):
            before = self.filtered(lambda t: not t._traceability_creates_on_delivery())
        res = super().write(vals)
        before._check_traceability_create_new()
        return res

    def _traceability_creates_on_delivery(self):
        """Whether this is an outgoing type allowed to create new lots under
        strict traceability: deliveries would invent lots never received."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return bool(
            self.code == "outgoing"
            and self.use_create_lots
            and company._traceability_strict(company)
            and company.traceability_no_phantom_lots
        )

    def _check_traceability_create_new(self):
        """Turning Create New on for a delivery type is for stock managers,
        and is logged on the operation type."""
        picking_types = self.filtered(lambda t: t._traceability_creates_on_delivery())
        if not picking_types:
            return
        if not (self.env.su or self.env.user.has_group("stock.group_stock_manager")):
            raise AccessError(
                self.env._(
                    "Only inventory managers can let a delivery operation type "
                    "create new lots/serial numbers (%(types)s).",
                    types=", ".join(picking_types.mapped("display_name")),
                )
            )
        for picking_type in picking_types:
            picking_type.message_post(
                body=self.env._(
                    "%(user)s allowed this delivery operation type to create new "
                    "lots/serial numbers: deliveries may now ship lots that were "
                    "never received.",
                    user=self.env.user.name,
                )
            )

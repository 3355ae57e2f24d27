# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.fields import Domain

from ..exceptions import TraceabilityError
from ..tools import quantity_format


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "stock.lot.format.mixin"]  # noqa: RUF012

    lot_format_override = fields.Boolean(
        string="Own Lot/Serial Format",
        help="Use the lot/serial format below instead of the product category's.",
    )
    lot_name_pattern = fields.Char(
        help="Regular expression every lot/serial name of this product must "
        "match entirely. Empty: no pattern.",
    )

    def write(self, vals):
        changes = self._get_tracking_changes(vals)
        if changes:
            self._check_tracking_change(changes)
        res = super().write(vals)
        if changes:
            self._log_tracking_change(changes)
        return res

    # ------------------------------------------------------------------
    # Lot/serial format (A4)
    # ------------------------------------------------------------------

    def _get_lot_name_format(self):
        """The effective lot/serial format: the product's own when it
        overrides its category, else the category chain's; ``None`` if none."""
        self.ensure_one()
        if self.lot_format_override:
            return self._get_own_lot_name_format()
        return self.categ_id._get_lot_name_format() if self.categ_id else None

    # ------------------------------------------------------------------
    # Tracking changes (A5)
    # ------------------------------------------------------------------

    def _get_tracking_changes(self, vals):
        """{template: (old tracking, new tracking)} for templates whose
        tracking actually changes under strict traceability."""
        if "tracking" not in vals or not self.env["res.company"]._traceability_strict():
            return {}
        new = vals["tracking"] or "none"
        return {tmpl: (tmpl.tracking, new) for tmpl in self if tmpl.tracking != new}

    def _check_tracking_change(self, changes):
        """Refuse a change that leaves stock inconsistent: lots holding more
        than one unit cannot become serials."""
        to_serial = self.browse(
            [tmpl.id for tmpl, (old, new) in changes.items() if new == "serial"]
        )
        if not to_serial:
            return
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                Domain("product_id", "in", to_serial.product_variant_ids.ids)
                & Domain("lot_id", "!=", False)
                & Domain("location_id.usage", "in", ("internal", "transit")),
                ["product_id", "lot_id"],
                ["quantity:sum"],
                having=[("quantity:sum", ">", 1)],
            )
        )
        if not groups:
            return
        lines = [
            self.env._(
                "- %(product)s, lot %(lot)s: %(qty)s on hand",
                product=product.display_name,
                lot=lot.name,
                qty=quantity_format.format_quantity(self.env, qty, product.uom_id),
            )
            for product, lot, qty in groups
        ]
        raise TraceabilityError(
            self.env._(
                "Tracking cannot switch to unique serial numbers while lots hold "
                "several units; split them into serials first "
                "(inventory adjustment):\n%(lines)s",
                lines="\n".join(lines),
            )
        )

    def _log_tracking_change(self, changes):
        labels = dict(self._fields["tracking"]._description_selection(self.env))
        untracked = self._get_untracked_quantities(
            self.browse(
                [tmpl.id for tmpl, (old, new) in changes.items() if old == "none"]
            )
        )
        for tmpl, (old, new) in changes.items():
            body = self.env._(
                "Tracking changed from %(old)s to %(new)s by %(user)s.",
                old=labels.get(old, old),
                new=labels.get(new, new),
                user=self.env.user.name,
            )
            if untracked.get(tmpl):
                body += " " + self.env._(
                    "%(qty)s on hand have no lot/serial number yet; assign "
                    "them with the retroactive lot assignment.",
                    qty=quantity_format.format_quantity(
                        self.env, untracked[tmpl], tmpl.uom_id
                    ),
                )
            tmpl.message_post(body=body)

    def _get_untracked_quantities(self, templates):
        """{template: untracked quantity on hand in internal locations}."""
        qty_by_product = self.env["product.product"]._get_untracked_qty_by_product(
            templates.product_variant_ids.ids, tracked_only=False
        )
        result = {}
        for product in templates.product_variant_ids:
            if product.id in qty_by_product:
                tmpl = product.product_tmpl_id
                result[tmpl] = result.get(tmpl, 0.0) + qty_by_product[product.id]
        return result

    # ------------------------------------------------------------------
    # Untracked stock (what the retroactive lot/serial assignment assigns)
    # ------------------------------------------------------------------

    untracked_qty = fields.Float(
        string="Untracked Stock",
        compute="_compute_untracked_qty",
        search="_search_untracked_qty",
        digits="Product Unit",
        help="Quantity on hand in internal locations without a lot/serial "
        "number although the product is tracked.",
    )
    has_untracked_stock = fields.Boolean(
        compute="_compute_untracked_qty", search="_search_has_untracked_stock"
    )

    @api.depends(
        "product_variant_ids.untracked_qty", "product_variant_ids.has_untracked_stock"
    )
    def _compute_untracked_qty(self):
        """The sum of the variants' untracked quantities (their computation,
        one query for all the variants)."""
        for tmpl in self:
            variants = tmpl.product_variant_ids
            tmpl.untracked_qty = sum(variants.mapped("untracked_qty"))
            tmpl.has_untracked_stock = any(variants.mapped("has_untracked_stock"))

    def _search_untracked_qty(self, operator, value):
        return [("product_variant_ids.untracked_qty", operator, value)]

    def _search_has_untracked_stock(self, operator, value):
        return [("product_variant_ids.has_untracked_stock", operator, value)]

    def action_open_lot_assign(self):
        """Open the retroactive assignment wizard on these products."""
        return self.env["stock.lot.assign"]._get_action_for_products(
            self.product_variant_ids
        )

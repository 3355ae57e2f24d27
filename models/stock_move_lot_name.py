# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lot names generated or imported in the detailed operations (A4), kept
apart from ``stock_move.py`` (A1-A3 rules)."""

from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _create_lot_ids_from_move_line_vals(
        self, vals_list, product_id, company_id=False
    ):
        # Generated and imported names are normalised before Odoo looks the
        # lots up by name, so the lots it creates are found again.
        company = self.env["res.company"].browse(company_id) or self.env.company
        if company.strict_traceability:
            product = self.env["product.product"].browse(product_id)
            self._prepare_generated_lot_names(vals_list, product)
        return super()._create_lot_ids_from_move_line_vals(
            vals_list, product_id, company_id=company_id
        )

    def _prepare_generated_lot_names(self, vals_list, product):
        Lot = self.env["stock.lot"]
        name_format = product.product_tmpl_id._get_lot_name_format()
        errors = []
        for vals in vals_list:
            if not vals.get("lot_name"):
                continue
            result = Lot._process_lot_name(vals["lot_name"], product, name_format)
            reasons = result["errors"] or Lot._get_lot_name_format_errors(
                result["name"], name_format
            )
            errors += [
                Lot._format_lot_name_error(product, vals["lot_name"], reason)
                for reason in reasons
            ]
            vals["lot_name"] = result["name"]
            if result["expiration_date"] and not vals.get("expiration_date"):
                vals["expiration_date"] = result["expiration_date"]
        Lot._raise_lot_name_errors(errors)

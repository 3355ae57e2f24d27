# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, models

from ..exceptions import TraceabilityError
from .lot_naming import GS1_LOT_MAX_LENGTH

# Context marker of move lines being done, whose batch check makes the quant
# guard step aside; an object, so that an RPC context cannot carry it.
LINES_CHECKED = object()


class StockMoveLine(models.Model):
    """Lot names of move lines as the strict rules read them: typed, scanned,
    generated or imported (A4); done lines keep their lot (A5); the rules
    checked when lines are done are in ``stock_move_line_rules.py``."""

    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        self._prepare_lot_name_vals_list(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("lot_name"):
            if len(self.product_id) > 1:
                # Normalisation depends on the product: one write per product.
                for lines in self.grouped("product_id").values():
                    lines.write(vals)
                return True
            vals = dict(vals)
            self._prepare_lot_name_vals_list([vals], self[:1])
        if "lot_id" in vals and not vals["lot_id"]:
            self._check_done_lines_keep_lot()
        return super().write(vals)

    @api.onchange("lot_name")
    def _onchange_lot_name_traceability(self):
        if not self.lot_name or not self.product_id:
            return None
        if not self.env["res.company"]._traceability_strict(self.company_id):
            return None
        Lot = self.env["stock.lot"]
        result = Lot._read_lot_name(
            self.lot_name,
            self.product_id,
            self.product_id.product_tmpl_id._get_lot_name_format(),
        )
        self.lot_name = result["name"]
        if result["expiration_date"] and "expiration_date" in self._fields:
            self.expiration_date = result["expiration_date"]
        errors = result["errors"]
        if (
            not errors
            and len(self.lot_name) > GS1_LOT_MAX_LENGTH
            and self.env.user.has_group("stock.group_stock_lot_print_gs1")
        ):
            errors = [
                self.env._(
                    "longer than the %(max)s characters a GS1 label can carry",
                    max=GS1_LOT_MAX_LENGTH,
                )
            ]
        return Lot._get_lot_name_warning(self.product_id, self.lot_name, errors)

    def _action_done(self):
        # The batch is checked here; the quant-level guard of stock.quant
        # would repeat the checks quant by quant.
        lines = self.with_context(traceability_lines_checked=LINES_CHECKED)
        lines._check_traceability_rules()
        return super(StockMoveLine, lines)._action_done()

    def _create_and_assign_production_lot(self):
        # The lines were checked against their operation type's "Create New"
        # (``_check_traceability_lot_creation``); the caller's context, which
        # may name another picking, must not decide for them.
        lines = self.with_context(traceability_picking_type_id=False)
        return super(StockMoveLine, lines)._create_and_assign_production_lot()

    def _prepare_lot_name_vals_list(self, vals_list, lines=None):
        """Normalise/decompose ``lot_name`` in create/write values and check
        its format; raise one error listing every bad name."""
        Lot = self.env["stock.lot"]
        todo = [vals for vals in vals_list if vals.get("lot_name")]
        if not todo:
            return
        moves = self.env["stock.move"].browse(
            {vals["move_id"] for vals in todo if vals.get("move_id")}
        )
        products = self.env["product.product"].browse(
            {vals["product_id"] for vals in todo if vals.get("product_id")}
        )
        vals_products = []
        for vals in todo:
            move = moves.browse(vals.get("move_id"))
            product = (
                products.browse(vals.get("product_id"))
                or move.product_id
                or (lines.product_id if lines else products.browse())
            )
            company = (
                self.env["res.company"].browse(vals.get("company_id"))
                or move.company_id
                or (lines.company_id if lines else self.env.company)
            )
            if product and self.env["res.company"]._traceability_strict(company):
                vals_products.append((vals, product))
        Lot._read_lot_names_in_vals(vals_products)

    def _check_done_lines_keep_lot(self):
        strict = self.company_id._traceability_strict_companies()
        lines = self.filtered(
            lambda ml: ml.state == "done" and ml.lot_id and ml.company_id in strict
        )
        if lines:
            raise TraceabilityError(
                self.env._(
                    "The lot/serial number of a done move line cannot be removed:"
                    "\n%(lines)s",
                    lines=self._format_traceability_violations(
                        [
                            ml._traceability_violation(self.env._("done line"))
                            for ml in lines
                        ]
                    ),
                )
            )

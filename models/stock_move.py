# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class StockMove(models.Model):
    _inherit = "stock.move"

    # Odoo creates lots when serial numbers are generated or imported on a
    # move (``_create_lot_ids_from_move_line_vals``) without telling
    # ``stock.lot.create`` the operation type: pass it, so that a type
    # without "Create New" cannot create lots this way (A3).

    def _generate_serial_numbers(
        self, next_serial, next_serial_count=False, location_id=False
    ):
        move = self
        if self.picking_type_id:
            move = self.with_context(
                traceability_picking_type_id=self.picking_type_id.id
            )
        return super(StockMove, move)._generate_serial_numbers(
            next_serial, next_serial_count=next_serial_count, location_id=location_id
        )

    @api.model
    def action_generate_lot_line_vals(
        self, context_data, mode, first_lot, count, lot_text
    ):
        moves = self
        if context_data.get("default_picking_type_id"):
            moves = self.with_context(
                traceability_picking_type_id=context_data["default_picking_type_id"]
            )
        return super(StockMove, moves).action_generate_lot_line_vals(
            context_data, mode, first_lot, count, lot_text
        )

    def _create_lot_ids_from_move_line_vals(
        self, vals_list, product_id, company_id=False
    ):
        # Generated and imported names are read (normalised, GS1 decomposed,
        # format checked, A4) before Odoo looks the lots up by name, so the
        # lots it creates are found again.
        company = self.env["res.company"].browse(company_id)
        if company._traceability_strict(company):
            product = self.env["product.product"].browse(product_id)
            self.env["stock.lot"]._read_lot_names_in_vals(
                [(vals, product) for vals in vals_list if vals.get("lot_name")]
            )
        return super()._create_lot_ids_from_move_line_vals(
            vals_list, product_id, company_id=company_id
        )

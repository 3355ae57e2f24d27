# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import binascii
import datetime

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..tools import epcis


class StockPickingEpcisImport(models.TransientModel):
    """Fill a receipt's detailed operations from a supplier's EPCIS document
    (its shipping ObjectEvents): products matched by GTIN, lots and serials
    with their quantities and expiry dates, through the same rules as typed
    entries. One error names every problem; nothing is written then."""

    _name = "stock.picking.epcis.import"
    _description = "Import EPCIS on a Receipt"

    picking_id = fields.Many2one("stock.picking", required=True, readonly=True)
    file = fields.Binary(string="EPCIS Document", required=True)
    filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        picking = self.picking_id
        if picking.picking_type_id.code != "incoming" or picking.state in (
            "done",
            "cancel",
        ):
            raise UserError(
                self.env._("EPCIS documents are imported on receipts not yet done.")
            )
        try:
            data = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(self.env._("The file could not be read.")) from error
        items, problems = epcis.received_items(data)
        vals_list = self._prepare_move_line_vals(items, problems)
        self._fill_or_raise(vals_list, problems)
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------------
    # matching
    # ------------------------------------------------------------------

    def _get_products_by_gtin(self, items):
        """Products of the GTINs of ``items`` (barcodes written as GTIN-8,
        12, 13 or 14), and of the add-on's private identifiers."""
        candidates = set()
        for item in items:
            if item.gtin:
                gtin = item.gtin
                candidates.update({gtin, gtin[1:], gtin[2:], gtin[6:]})
        products = self.env["product.product"].search(
            [("barcode", "in", sorted(candidates))]
        )
        by_gtin = {}
        for product in products:
            gtin = epcis.gtin14(product.barcode)
            if gtin:
                by_gtin.setdefault(gtin, product)
        private = (
            self.env["product.product"]
            .browse({item.product_id for item in items if item.product_id})
            .exists()
        )
        return by_gtin, {product.id: product for product in private}

    def _prepare_move_line_vals(self, items, problems):
        """Values of the detailed operations, one per lot or serial; adds to
        ``problems`` what does not fit the receipt."""
        picking = self.picking_id
        by_gtin, private = self._get_products_by_gtin(items)
        uoms = self.env["stock.traceability.epcis"]._get_uoms_by_code()
        moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        move_by_product = {}
        for move in moves:
            move_by_product.setdefault(move.product_id, move)
        has_expiry = "expiration_date" in self.env["stock.move.line"]._fields
        seen = {}
        vals_list = []
        for item in items:
            name = item.serial or item.lot
            product = (
                by_gtin.get(item.gtin) if item.gtin else private.get(item.product_id)
            )
            where = self.env._("event %(event)s", event=item.event)
            if not product:
                problems.append(
                    self.env._(
                        "%(where)s: no product with GTIN %(gtin)s (%(name)s)",
                        where=where,
                        gtin=item.gtin or item.product_id,
                        name=name,
                    )
                )
                continue
            move = move_by_product.get(product)
            problem = self._get_item_problem(item, product, move, uoms)
            if problem:
                problems.append(f"{where}: {problem}")
                continue
            key = (product.id, name.strip().casefold())
            if item.serial and key in seen:
                problems.append(
                    self.env._(
                        "%(where)s: serial %(serial)s of %(product)s is also in "
                        "event %(other)s",
                        where=where,
                        serial=name,
                        product=product.display_name,
                        other=seen[key],
                    )
                )
                continue
            seen[key] = item.event
            uom = uoms.get(item.uom_code) if item.uom_code else product.uom_id
            vals = move._prepare_move_line_vals(
                quantity=uom._compute_quantity(item.quantity, move.product_uom)
            )
            vals.update(lot_name=name, lot_id=False)
            if has_expiry and item.expiry:
                vals["expiration_date"] = datetime.datetime.combine(
                    item.expiry, datetime.time(12)
                )
            vals_list.append(vals)
        return vals_list

    def _get_item_problem(self, item, product, move, uoms):
        picking = self.picking_id
        if not move:
            return self.env._(
                "%(product)s is not on %(receipt)s",
                product=product.display_name,
                receipt=picking.name,
            )
        if product.tracking == "none":
            return self.env._(
                "%(product)s is not tracked by lots or serial numbers",
                product=product.display_name,
            )
        if (product.tracking == "serial") != bool(item.serial):
            return self.env._(
                "%(product)s is tracked by %(tracking)s, the document gives %(given)s "
                "%(name)s",
                product=product.display_name,
                tracking=self.env._("serial numbers")
                if product.tracking == "serial"
                else self.env._("lots"),
                given=self.env._("serial") if item.serial else self.env._("lot"),
                name=item.serial or item.lot,
            )
        if item.uom_code:
            uom = uoms.get(item.uom_code)
            if not uom:
                return self.env._(
                    "unit %(code)s of %(name)s is not a unit of this database",
                    code=item.uom_code,
                    name=item.lot,
                )
            if not uom._has_common_reference(move.product_uom):
                return self.env._(
                    "unit %(code)s of %(name)s does not convert to %(unit)s",
                    code=item.uom_code,
                    name=item.lot,
                    unit=move.product_uom.name,
                )
        return ""

    # ------------------------------------------------------------------
    # writing
    # ------------------------------------------------------------------

    def _fill_or_raise(self, vals_list, problems):
        """Replace the detailed operations without a lot of the moves
        concerned by ``vals_list``, run the typed entries' rules on them,
        and raise one error with every problem (nothing written) if any."""
        if not problems and vals_list:
            try:
                with self.env.cr.savepoint():
                    self._fill(vals_list)
            except (UserError, ValidationError) as error:
                problems.append(str(error.args[0]))
        if problems:
            raise UserError(
                self.env._(
                    "The EPCIS document cannot be imported on %(receipt)s:\n"
                    "%(problems)s",
                    receipt=self.picking_id.name,
                    problems="\n".join(f"- {problem}" for problem in problems),
                )
            )

    def _fill(self, vals_list):
        move_ids = {vals["move_id"] for vals in vals_list}
        moves = self.env["stock.move"].browse(move_ids)
        moves.move_line_ids.filtered(
            lambda ml: not ml.lot_id and not ml.lot_name
        ).unlink()
        lines = self.env["stock.move.line"].create(vals_list)
        lines._check_traceability_rules()
        for move in moves:
            done = sum(move.move_line_ids.mapped("quantity"))
            if float_compare(done, 0, precision_rounding=move.product_uom.rounding) > 0:
                move.picked = True
        return lines

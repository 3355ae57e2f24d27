# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The in-place split of a retroactive assignment (``stock.lot.assign.run``).

The rows are validated and allocated to the untracked quants by
``stock_lot_assign_apply.py``; here each piece becomes a lot quant copied
from its untracked quant, and a done move from the location to itself per
untracked quant, one line per lot, records it under the run's reference.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

# Quant columns that the split does not copy from the untracked quant.
QUANT_SPLIT_RESET_FIELDS = {
    "id",
    "lot_id",
    "quantity",
    "reserved_quantity",
    "inventory_quantity",
    "inventory_diff_quantity",
    "inventory_quantity_set",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
}


class StockLotAssignRun(models.Model):
    _inherit = "stock.lot.assign.run"

    # ------------------------------------------------------------------
    # The in-place split, set-based: a constant number of queries per run
    # ------------------------------------------------------------------

    def _apply_pieces(self, pieces, lots):
        """Apply [(row, untracked quant dict, quantity)] with lots
        {(product id, lot name): stock.lot}."""
        self.ensure_one()
        parts = self._merge_pieces(pieces, lots)
        move_lines = self._create_history(parts)
        new_quant_ids = self._split_quants(parts)
        self.env["stock.lot.assign.run.line"].create(
            [
                {
                    "run_id": self.id,
                    "product_id": part["quant"]["product_id"],
                    "location_id": part["quant"]["location_id"],
                    "package_id": part["quant"]["package_id"],
                    "owner_id": part["quant"]["owner_id"],
                    "in_date": part["quant"]["in_date"],
                    "lot_id": part["lot"].id,
                    "quantity": part["quantity"],
                    "move_line_id": move_line.id,
                    "row": part["row"],
                }
                for part, move_line in zip(parts, move_lines, strict=True)
            ]
        )
        new_quants = self.env["stock.quant"].browse(new_quant_ids)
        # Stored fields computed from the lot (expiry dates of product_expiry).
        new_quants.modified(["lot_id"])
        self.env.flush_all()
        # The quants were written in SQL: run their constraints (Odoo's and
        # the strict rules' serial/negative-lot guards) on the batch now.
        new_quants._validate_fields(["product_id", "location_id", "lot_id", "quantity"])
        new_quants.check_quantity()
        # Computed quantities read before the SQL statements are stale.
        self.env.invalidate_all()

    @api.model
    def _merge_pieces(self, pieces, lots):
        """One part per (untracked quant, lot)."""
        parts = {}
        for row, quant, qty in pieces:
            lot = lots[row.lot_key]
            key = (quant["id"], lot.id)
            if key in parts:
                parts[key]["quantity"] += qty
            else:
                parts[key] = {
                    "quant": quant,
                    "lot": lot,
                    "quantity": qty,
                    "row": row.row,
                }
        return list(parts.values())

    def _create_history(self, parts):
        """A done move from each location to itself per untracked quant, one
        line per lot. Created empty (no reservation, no quant update), then
        marked done with their quantities in two statements."""
        by_quant = defaultdict(list)
        for part in parts:
            by_quant[part["quant"]["id"]].append(part)
        products = self.env["product.product"].browse(
            {part["quant"]["product_id"] for part in parts}
        )
        uom_by_product = {product.id: product.uom_id.id for product in products}
        now = fields.Datetime.now()
        move_vals = []
        for quant_parts in by_quant.values():
            quant = quant_parts[0]["quant"]
            move_vals.append(
                {
                    "product_id": quant["product_id"],
                    "product_uom": uom_by_product[quant["product_id"]],
                    "product_uom_qty": sum(part["quantity"] for part in quant_parts),
                    "location_id": quant["location_id"],
                    "location_dest_id": quant["location_id"],
                    "company_id": quant["company_id"],
                    "origin": self.name,
                    "restrict_partner_id": quant["owner_id"],
                    "date": now,
                    "procure_method": "make_to_stock",
                }
            )
        moves = self.env["stock.move"].sudo().create(move_vals)
        line_vals = []
        ordered_parts = []
        for move, quant_parts in zip(moves, by_quant.values(), strict=True):
            for part in quant_parts:
                quant = part["quant"]
                line_vals.append(
                    {
                        "move_id": move.id,
                        "product_id": quant["product_id"],
                        "product_uom_id": uom_by_product[quant["product_id"]],
                        "location_id": quant["location_id"],
                        "location_dest_id": quant["location_id"],
                        "lot_id": part["lot"].id,
                        "package_id": quant["package_id"],
                        "result_package_id": quant["package_id"],
                        "owner_id": quant["owner_id"],
                        "quantity": 0.0,
                        "date": now,
                    }
                )
                ordered_parts.append(part)
        move_lines = self.env["stock.move.line"].sudo().create(line_vals)
        parts[:] = ordered_parts
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_move_line ml
                   SET quantity = v.qty,
                       quantity_product_uom = v.qty,
                       picked = TRUE,
                       state = 'done'
                  FROM unnest(%(ids)s::int[], %(qtys)s::numeric[]) AS v(id, qty)
                 WHERE ml.id = v.id
                """,
                ids=move_lines.ids,
                qtys=[part["quantity"] for part in parts],
            )
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_move
                   SET state = 'done',
                       picked = TRUE,
                       quantity = product_uom_qty,
                       reference = %(ref)s
                 WHERE id = ANY(%(ids)s)
                """,
                ref=self.name,
                ids=moves.ids,
            )
        )
        self.env["stock.move"].invalidate_model()
        self.env["stock.move.line"].invalidate_model()
        return move_lines

    def _split_quants(self, parts):
        """Insert the lot quants copied from their untracked quant, shrink
        the untracked quants; return the new quant ids."""
        Quant = self.env["stock.quant"]
        columns = [
            name
            for name, field in Quant._fields.items()
            if field.store
            and field.column_type
            and name not in QUANT_SPLIT_RESET_FIELDS
        ]
        copied = SQL(", ").join(SQL.identifier(name) for name in columns)
        copied_from = SQL(", ").join(SQL.identifier("q", name) for name in columns)
        now = fields.Datetime.now()
        new_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO stock_quant (%(copied)s, lot_id, quantity,
                           reserved_quantity, inventory_quantity,
                           inventory_diff_quantity, inventory_quantity_set,
                           create_uid, create_date, write_uid, write_date)
                    SELECT %(copied_from)s, v.lot_id, v.qty, 0, 0, 0, FALSE,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(src)s::int[], %(lots)s::int[], %(qtys)s::numeric[],
                                  %(ord)s::int[])
                           AS v(src, lot_id, qty, ord)
                      JOIN stock_quant q ON q.id = v.src
                     ORDER BY v.ord
                    RETURNING id
                    """,
                    copied=copied,
                    copied_from=copied_from,
                    uid=self.env.uid,
                    now=now,
                    src=[part["quant"]["id"] for part in parts],
                    lots=[part["lot"].id for part in parts],
                    qtys=[part["quantity"] for part in parts],
                    ord=list(range(len(parts))),
                )
            )
        ]
        taken = defaultdict(float)
        for part in parts:
            taken[part["quant"]["id"]] += part["quantity"]
        emptied = self.env.execute_query(
            SQL(
                """
                UPDATE stock_quant q
                   SET quantity = q.quantity - v.qty,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(qtys)s::numeric[]) AS v(id, qty)
                 WHERE q.id = v.id
             RETURNING q.id, q.quantity, q.reserved_quantity
                """,
                uid=self.env.uid,
                now=now,
                ids=list(taken),
                qtys=list(taken.values()),
            )
        )
        Quant.invalidate_model()
        self.env["stock.lot"].invalidate_model(["quant_ids"])
        empty_ids = [
            quant_id
            for quant_id, quantity, reserved in emptied
            if abs(quantity) < 1e-9 and abs(reserved or 0) < 1e-9
        ]
        Quant.browse(empty_ids).sudo().unlink()
        return new_ids

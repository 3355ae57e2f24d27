# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot of the add-on, by concern (Odoo's one model over several files):

- this file: create/write/unlink, locking, lot creation by operation type (A3);
- ``stock_lot_naming``: names typed, scanned or imported (A4, GS1);
- ``stock_lot_unique_key``: the uniqueness key, its scope and index (A1);
- ``stock_lot_duplicates``: renaming or merging lots that share a key;
- ``stock_lot_block``: blocking (A6), name correction and immutability (A5);
- ``stock_lot_trace``: trace API, genealogy and recalls of a lot (issue 5).
"""

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.tools import SQL

from ..exceptions import TraceabilityError, TraceabilityValidationError
from .stock_lot_block import BLOCK_FIELDS
from .stock_lot_naming import LOT_NAME_READY
from .stock_lot_unique_index import UNIQUE_KEY_INDEX, unique_key_message


class StockLot(models.Model):
    _inherit = "stock.lot"

    # Retroactive assignment (issue 4): set by stock.lot.assign only.
    retroactive_run_id = fields.Many2one(
        "stock.lot.assign.run",
        string="Retroactive Assignment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The run that assigned this lot/serial to stock that was on hand "
        "without one.",
    )
    retroactive_date = fields.Datetime(
        string="Assigned Retroactively On", readonly=True, copy=False
    )
    retroactive_user_id = fields.Many2one(
        "res.users", string="Assigned Retroactively By", readonly=True, copy=False
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_traceability_lot_creation()
        if any(BLOCK_FIELDS & set(vals) for vals in vals_list):
            self._check_lot_block_write(set().union(*vals_list))
        self._prepare_lot_name_vals_list(vals_list)
        try:
            with self.env.cr.savepoint():
                return super().create(vals_list)
        except UniqueViolation as error:
            # Concurrent transactions: the index is the last word. Make it the
            # add-on's error, not a bare database error.
            if error.diag.constraint_name != UNIQUE_KEY_INDEX:
                raise
            raise TraceabilityValidationError(
                unique_key_message(self.env)
                + "\n"
                + "\n".join(
                    f"- {vals.get('name')}" for vals in vals_list if vals.get("name")
                )
            ) from error

    def write(self, vals):
        if (
            vals.get("name")
            and self.env.context.get("slt_lot_name") is not LOT_NAME_READY
        ):
            name_vals = self._prepare_lot_name_write_vals(vals)
            if len(name_vals) > 1:
                # Normalisation differs per product: one write per product.
                for lots, lot_vals in name_vals:
                    lots.with_context(slt_lot_name=LOT_NAME_READY).write(lot_vals)
                return True
            vals = name_vals[0][1] if name_vals else vals
        self._check_lot_immutable(vals)
        self._check_lot_block_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done_moves(self):
        lots = self._get_lots_with_done_moves()
        if lots:
            raise TraceabilityError(
                self.env._(
                    "These lots/serial numbers have done stock moves and cannot be "
                    "deleted (their history would lose them):\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}" for lot in lots
                    ),
                )
            )

    def _traceability_lock(self):
        """Serialise concurrent transactions that move or count these lots.

        Odoo runs transactions in REPEATABLE READ: a row lock alone would let
        the second transaction read a stale snapshot once the first commits.
        Updating the lot rows makes it fail with a serialisation error instead,
        and Odoo retries it, when it sees the committed stock."""
        if not self:
            return
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_lot SET write_date = write_date
                 WHERE id IN (SELECT id FROM stock_lot WHERE id = ANY(%s)
                               ORDER BY id FOR NO KEY UPDATE)
                """,
                sorted(self.ids),
            )
        )

    # --- lot creation by operation type (A3) ---------------------------

    @api.model
    def _traceability_context_picking_type(self):
        """The operation type a lot is being created for, from the context
        (form views, RPC calls, serial generation)."""
        ctx = self.env.context
        if "traceability_picking_type_id" in ctx:
            # Set by the add-on where it knows the operation type (or that
            # there is none): it wins over what the caller's context says.
            type_id = ctx["traceability_picking_type_id"]
            return self.env["stock.picking.type"].browse(type_id or []).exists()
        picking_id = ctx.get("active_picking_id") or ctx.get("default_picking_id")
        if not picking_id and ctx.get("active_model") == "stock.picking":
            picking_id = ctx.get("active_id")
        if picking_id and isinstance(picking_id, int):
            picking = self.env["stock.picking"].browse(picking_id).exists()
            if picking:
                return picking.picking_type_id
        type_id = ctx.get("default_picking_type_id")
        if not type_id and ctx.get("active_model") == "stock.picking.type":
            type_id = ctx.get("active_id")
        if type_id and isinstance(type_id, int):
            return self.env["stock.picking.type"].browse(type_id).exists()
        return self.env["stock.picking.type"]

    @api.model
    def _check_traceability_lot_creation(self):
        picking_type = self._traceability_context_picking_type()
        if not picking_type or picking_type.use_create_lots:
            return
        if not self.env["res.company"]._traceability_strict(picking_type.company_id):
            return
        raise TraceabilityError(
            self.env._(
                "The operation type %(type)s does not allow creating lots/serial "
                "numbers (Create New is off): take an existing one.",
                type=picking_type.display_name,
            )
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: blocked lots (A6), name correction and immutability (A5)."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..exceptions import TraceabilityError

BLOCK_FIELDS = {"is_blocked", "blocked_reason", "blocked_by_id", "blocked_date"}
# Context markers of the add-on's own privileged lot writes (name correction,
# blocking). Objects, not flags: a context sent over RPC (JSON) cannot carry
# them, so a client cannot pass itself off as these paths.
LOT_CORRECTION = object()
LOT_BLOCK = object()


class StockLot(models.Model):
    _inherit = "stock.lot"

    is_blocked = fields.Boolean(
        string="Blocked",
        readonly=True,
        copy=False,
        tracking=True,
        help="A blocked (quarantined) lot is never reserved and can only move "
        "to quarantine, scrap or return-to-vendor locations.",
    )
    blocked_reason = fields.Char(readonly=True, copy=False, tracking=True)
    blocked_by_id = fields.Many2one(
        "res.users", string="Blocked By", readonly=True, copy=False
    )
    blocked_date = fields.Datetime(string="Blocked On", readonly=True, copy=False)

    def action_open_block_wizard(self):
        return self._action_open_block_wizard("block")

    def action_open_unblock_wizard(self):
        return self._action_open_block_wizard("unblock")

    def _action_open_block_wizard(self, mode):
        self.env["stock.lot.block"]._check_block_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Block Lots")
            if mode == "block"
            else self.env._("Unblock Lots"),
            "res_model": "stock.lot.block",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_lot_ids": [Command.set(self.ids)],
                "default_mode": mode,
            },
        }

    def action_open_correct_wizard(self):
        self.ensure_one()
        self.env["stock.lot.correct"]._check_correct_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Correct Lot/Serial Number"),
            "res_model": "stock.lot.correct",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_id": self.id, "default_new_name": self.name},
        }

    def _action_block(self, reason):
        """Block these lots with ``reason``; log who, when and why on each.

        Business method for the block wizard and the recall workbench; the
        caller is responsible for the user's rights. Already blocked lots are
        left as they are. Returns the lots that were blocked."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to block a lot."))
        return self.filtered(lambda lot: not lot.is_blocked)._write_blocked_state(
            {
                "is_blocked": True,
                "blocked_reason": reason,
                "blocked_by_id": self.env.uid,
                "blocked_date": fields.Datetime.now(),
            },
            self.env._(
                "Blocked by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
        )

    def _action_unblock(self, reason):
        """Unblock these lots with ``reason``, logged on each lot."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to unblock a lot."))
        return self.filtered("is_blocked")._write_blocked_state(
            dict.fromkeys(BLOCK_FIELDS, False),
            self.env._(
                "Unblocked by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
        )

    def _write_blocked_state(self, vals, body):
        """Write the block fields (only written here) and log ``body``."""
        self.with_context(slt_lot_block=LOT_BLOCK).write(vals)
        for lot in self:
            lot.message_post(body=body)
        return self

    def _action_correct_name(self, new_name, reason):
        """Rename a lot, even one with done moves, logging the reason.

        Business method of the correction wizard; the caller checks rights."""
        self.ensure_one()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to correct a lot."))
        old_name = self.name
        self.with_context(slt_lot_correction=LOT_CORRECTION).write({"name": new_name})
        self.message_post(
            body=self.env._(
                "Name corrected from %(old)s to %(new)s by %(user)s: %(reason)s",
                old=old_name,
                new=self.name,
                user=self.env.user.name,
                reason=reason,
            )
        )
        return True

    # --- immutability (A5) and the block fields ------------------------

    def _get_lots_with_done_moves(self):
        """The lots of ``self`` (under strict traceability) with done moves."""
        strict = self.env["res.company"]._traceability_strict
        lots = self.filtered(lambda lot: strict(lot.company_id))
        if not lots:
            return lots
        groups = (
            self.env["stock.move.line"]
            .sudo()
            ._read_group(
                [("lot_id", "in", lots.ids), ("state", "=", "done")], ["lot_id"]
            )
        )
        return self.browse([lot.id for (lot,) in groups])

    def _check_lot_immutable(self, vals):
        """A lot with done moves keeps its name, product and company, except
        through the correction wizard (name only)."""
        changed = self.browse()
        for field_name in ("name", "product_id", "company_id"):
            if field_name not in vals:
                continue
            if (
                field_name == "name"
                and self.env.context.get("slt_lot_correction") is LOT_CORRECTION
            ):
                continue
            changed |= self.filtered(
                lambda lot, f=field_name: lot._get_immutable_value(f) != vals[f]
            )
        lots = changed._get_lots_with_done_moves()
        if lots:
            raise TraceabilityError(
                self.env._(
                    "These lots/serial numbers have done stock moves: their name, "
                    "product and company cannot change (a manager can correct a "
                    "name with the Correct name button):\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}" for lot in lots
                    ),
                )
            )

    def _get_immutable_value(self, field_name):
        value = self[field_name]
        return value.id if isinstance(value, models.BaseModel) else value

    def _check_lot_block_write(self, vals):
        if not BLOCK_FIELDS & set(vals) or self.env.su:
            return
        if self.env.context.get("slt_lot_block") is not LOT_BLOCK:
            raise AccessError(
                self.env._(
                    "Lots are blocked and unblocked with the Block/Unblock buttons, "
                    "with a reason."
                )
            )

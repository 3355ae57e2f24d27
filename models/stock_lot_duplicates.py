# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: resolving lots that share a uniqueness key (A1 on old data):
rename each with a logged correction, or merge them into one."""

from odoo import models
from odoo.exceptions import UserError
from odoo.fields import Command

from . import lot_merge


class StockLot(models.Model):
    _inherit = "stock.lot"

    def action_open_deduplicate_wizard(self):
        """Rename or merge these lots that share a name (health check fix)."""
        self.env["stock.lot.deduplicate"]._check_deduplicate_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lots/Serial Numbers Sharing a Name"),
            "res_model": "stock.lot.deduplicate",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_ids": [Command.set(self.ids)]},
        }

    def _action_rename_duplicates(self, new_names, reason):
        """Rename lots sharing a key, each with the logged correction of A5.

        :param new_names: ``{lot: new name}``; unchanged names are skipped."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to rename lots."))
        for lot, new_name in new_names.items():
            if new_name and new_name != lot.name:
                lot._action_correct_name(new_name, reason)
        return True

    def _action_merge_into(self, kept, reason):
        """Merge these lots into ``kept``: their move lines, quants (merged
        per location), chatter and every other reference move onto ``kept``,
        then they are deleted. Refused for lots of another product or
        company, and for a serial that would be on hand more than once. The
        caller checks the user's rights."""
        kept.ensure_one()
        merged = self - kept
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required to merge lots."))
        if not merged:
            raise UserError(self.env._("Select at least one lot to merge."))
        self._check_merge_allowed(kept)
        body = self.env._(
            "Merged %(lots)s into this lot by %(user)s: %(reason)s",
            lots=", ".join(f"{lot.name} (id {lot.id})" for lot in merged),
            user=self.env.user.name,
            reason=reason,
        )
        # Serialise with validations that move these lots (see the method).
        (merged | kept)._traceability_lock()
        self.env.flush_all()
        # All or nothing, also for a caller that catches the error.
        with self.env.cr.savepoint(flush=False):
            changes = lot_merge.repoint_references(self.env, kept, merged)
        for records, _field_name in changes:
            if records._name == "stock.quant":
                # Quants of the same place now share the kept lot: one row each.
                records._merge_quants()
        self.env.invalidate_all()
        for records, field_name in changes:
            records.exists().modified([field_name])
        merged.sudo().unlink()
        kept.message_post(body=body)
        return kept

    def _check_merge_allowed(self, kept):
        lots = self | kept
        others = lots.filtered(
            lambda lot: (lot.product_id, lot.company_id)
            != (kept.product_id, kept.company_id)
        )
        if others:
            raise UserError(
                self.env._(
                    "Only lots of the same product and company can be merged; "
                    "rename these instead:\n%(lots)s",
                    lots="\n".join(
                        f"- {lot.product_id.display_name}, {lot.name}, "
                        f"{lot.company_id.name or '-'}"
                        for lot in others
                    ),
                )
            )
        if kept.product_id.tracking != "serial":
            return
        rows = self.env.execute_query(lot_merge.on_hand_by_lot_query(lots.ids))
        if sum(qty for _lot, _loc, qty in rows) > 1:
            locations = self.env["stock.location"].browse({r[1] for r in rows})
            raise UserError(
                self.env._(
                    "Merging would put the serial number %(name)s on hand more "
                    "than once (one unit per serial); rename instead:\n%(lines)s",
                    name=kept.name,
                    lines="\n".join(
                        f"- {self.browse(lot_id).name}: {qty:g} in "
                        f"{locations.browse(loc_id).display_name}"
                        for lot_id, loc_id, qty in rows
                    ),
                )
            )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context


class StockRecall(models.Model):
    """Quarantine of a recall (``action_quarantine``): which lots are
    blocked, which quants move, and where to."""

    _inherit = "stock.recall"

    def _get_quarantine_lots(self):
        """The seed lots and every lot made from them. Upstream lots (where
        the seed came from) are shown for the investigation, not blocked."""
        self.ensure_one()
        lines = self.affected_lot_ids
        return lines.filtered(lambda rl: rl.direction != "upstream").lot_id

    def _get_quarantine_quants(self):
        self.ensure_one()
        return self.env["stock.quant"].search(
            [
                ("lot_id", "in", self._get_quarantine_lots().ids),
                ("location_id.usage", "=", "internal"),
                ("location_id.is_quarantine", "=", False),
                ("quantity", ">", 0),
            ]
        )

    def _get_quarantine_destinations(self, quants):
        """``{quant_id: quarantine location}``; one error lists every gap."""
        fallback = self.env["stock.location"].search(
            [("is_quarantine", "=", True), ("company_id", "in", quants.company_id.ids)]
        )
        fallback_by_company = {}
        for location in fallback:
            fallback_by_company.setdefault(location.company_id.id, location)
        destinations, missing = {}, []
        for quant in quants:
            destination = (
                quant.warehouse_id.quarantine_location_id
                or fallback_by_company.get(quant.company_id.id)
            )
            if destination:
                destinations[quant.id] = destination
            else:
                missing.append(quant.location_id.display_name)
        if missing:
            raise UserError(
                self.env._(
                    "No quarantine location for: %(locations)s. Set one on the "
                    "warehouse or mark a location as quarantine.",
                    locations=", ".join(sorted(set(missing))),
                )
            )
        return destinations

    def _move_to_quarantine(self, quants, destinations):
        """Move each quant to its quarantine location (one move per quant)."""
        # default_* keys of the form (e.g. the seed lots) must not leak
        # into the stock moves
        quants = quants.with_context(clean_context(self.env.context))
        for destination in set(destinations.values()):
            moving = quants.filtered(lambda q, d=destination: destinations[q.id] == d)
            moving.move_quants(location_dest_id=destination, message=self.name)

    def _unreserve_lots(self, lots):
        """Free reservations on the lots, so their stock can move to quarantine."""
        reserved = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "not in", ("done", "cancel")),
                ("location_id.usage", "=", "internal"),
            ]
        )
        reserved.move_id._do_unreserve()

    def _block_lots(self, lots):
        reason = self.env._(
            "Recall %(name)s: %(reason)s", name=self.name, reason=self.reason
        )
        lots._action_block(reason)

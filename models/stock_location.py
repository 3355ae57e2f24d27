# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    is_quarantine = fields.Boolean(
        string="Quarantine Location",
        help="Blocked lots may be moved into this location.",
    )

    def _accepts_blocked_lots(self):
        """A blocked lot may only go to quarantine, scrap (inventory loss)
        or back to a vendor."""
        self.ensure_one()
        return self.is_quarantine or self.usage in ("inventory", "supplier")

    @api.model
    def _get_subcontracting_location_ids(self):
        """Ids of the locations where subcontractors hold stock, every
        company's (empty without ``mrp_subcontracting``): as that module
        defines them (``stock.location.is_subcontract``), a company's
        subcontracting location and the locations under it. The trace
        classifies the moves in and out of them as shipments to and receipts
        from another firm (:func:`.trace_engine.event_types_sql`)."""
        if "subcontracting_location_id" not in self.env["res.company"]._fields:
            return []
        roots = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([])
            .subcontracting_location_id
        )
        if not roots:
            return []
        return (
            self.sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", roots.ids)])
            .ids
        )

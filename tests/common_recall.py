# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared base of the recall tests (no test of its own)."""

from unittest import SkipTest

from odoo.fields import Command

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import TraceabilityCase


class RecallCase(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recall_manager = mail_new_test_user(
            cls.env,
            login="slt_recall_manager",
            groups="stock.group_stock_user,stock.group_production_lot,"
            "stock_lot_traceability.group_recall_manager",
        )

    @classmethod
    def _setup_chain(cls, prefix, serials):
        """A 3-level manufacturing chain shipped to 3 customers (needs mrp):
        ``cls.chain``, its raw lot ``cls.raw_lot`` and ``cls.finished``."""
        if not cls.builder.has_mrp:
            raise SkipTest("the recall tests need mrp")
        cls.chain = cls.builder.build_chain(
            levels=3, prefix=prefix, serials=serials, customers=3, raw_qty=100.0
        )
        cls.raw_lot = cls.chain["lots"][0]
        cls.finished = cls.chain["lots"][-1]

    @classmethod
    def _new_recall(cls, lots, direction="downstream", **vals):
        return cls.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(lots.ids)],
                "direction": direction,
                "reason": "Contaminated raw material",
                **vals,
            }
        )

    @staticmethod
    def _per_partner(shipments):
        totals = {}
        for shipment in shipments:
            totals[shipment.partner_id] = (
                totals.get(shipment.partner_id, 0.0) + shipment.quantity
            )
        return totals

    @staticmethod
    def _notify_wizard(recall, follow_up=False):
        """The notification wizard of ``recall``, opened as its user."""
        action = recall.action_notify_again() if follow_up else recall.action_notify()
        return recall.env[action["res_model"]].browse(action["res_id"])

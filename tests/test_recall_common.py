# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared base of the recall tests (no test of its own)."""

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

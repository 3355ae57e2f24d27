# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: point of sale (``point_of_sale``).

Lot-tracked products sold at the register: the order line carries the lot
(``pack_lot_ids``), the order is paid through the payment wizard
(``pos.make.payment``) and Odoo creates its picking in real time (the
default "update quantities in stock"), as Odoo's own tests do it
(``point_of_sale/tests/common.py``, ``create_backend_pos_order``). One order
has a customer, one has none (anonymous retail customer).
"""

from odoo import Command, fields

from .common_trace_flow import TraceFlowCase


class TestTraceFlowPos(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("point_of_sale")
        builder = cls.builder
        cls.product = builder.create_product(
            "POSF Jam", tracking="lot", available_in_pos=True, lst_price=5.0
        )
        vendor = builder.create_partner("POSF Vendor")
        cls.alice = builder.create_partner("POSF Alice")
        builder.receive(cls.product, {"POSF-L1": 10.0}, vendor)
        cls.lot = builder.get_lots(cls.product, ["POSF-L1"])
        bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.payment_method = cls.env["pos.payment.method"].create(
            {"name": "POSF Bank", "journal_id": bank.id}
        )
        cls.config = cls.env["pos.config"].create(
            {
                "name": "POSF Shop",
                "payment_method_ids": [Command.set(cls.payment_method.ids)],
            }
        )
        cls.config.open_ui()
        cls.order_alice = cls._paid_order(3.0, cls.alice)
        cls.order_anonymous = cls._paid_order(2.0)

    @classmethod
    def _paid_order(cls, qty, customer=None):
        """A register order of ``qty`` of the lot, paid in full."""
        order = cls.env["pos.order"].create(
            {
                "session_id": cls.config.current_session_id.id,
                "partner_id": customer.id if customer else False,
                "date_order": fields.Datetime.now(),
                "amount_total": 0.0,
                "amount_paid": 0.0,
                "amount_tax": 0.0,
                "amount_return": 0.0,
                "lines": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "qty": qty,
                            "price_unit": cls.product.lst_price,
                            "price_subtotal": cls.product.lst_price * qty,
                            "price_subtotal_incl": cls.product.lst_price * qty,
                            "tax_ids": [Command.clear()],
                            "pack_lot_ids": [
                                Command.create({"lot_name": cls.lot.name})
                            ],
                        }
                    )
                ],
            }
        )
        order.lines._onchange_amount_line_all()
        order._compute_prices()
        context = {"active_id": order.id, "active_ids": order.ids}
        payment = (
            cls.env["pos.make.payment"]
            .with_context(**context)
            .create(
                {
                    "payment_method_id": cls.payment_method.id,
                    "amount": order.amount_total,
                }
            )
        )
        payment.with_context(**context).check()
        return order

    def test_flow_is_built_by_odoo(self):
        for order, qty in ((self.order_alice, 3.0), (self.order_anonymous, 2.0)):
            self.assertEqual(order.state, "paid")
            picking = order.picking_ids
            self.assertEqual(picking.state, "done")
            self.assertEqual(picking.picking_type_id, self.config.picking_type_id)
            self.assertEqual(picking.move_line_ids.lot_id, self.lot)
            self.assertEqual(picking.move_line_ids.quantity, qty)
        self.assertEqual(self.order_alice.picking_ids.partner_id, self.alice)
        self.assertFalse(self.order_anonymous.picking_ids.partner_id)

    def test_lot_sold_at_the_register_stays_alone(self):
        self.assertLots(self.lot._trace_downstream().lots, self.lot)
        self.assertLots(self.lot._trace_upstream().lots, self.lot)

    def test_recall_reaches_register_customers(self):
        recall = self._traced_recall(self.lot)
        partner_model = self.env["res.partner"]
        self.assertEqual(
            self._per_partner(recall.shipment_ids),
            {self.alice: 3.0, partner_model: 2.0},
        )
        anonymous = recall.shipment_ids.filtered(lambda s: not s.partner_id)
        self.assertEqual(
            anonymous.move_line_id.picking_id, self.order_anonymous.picking_ids
        )
        self.assertEqual(recall.customer_count, 2)
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.lot, self.stock_location): 5.0}
        )
        self.assertEqual(
            self._events(recall, self.lot), ["receiving", "shipping", "shipping"]
        )
        self.assertFullyAccounted(recall, self.lot)

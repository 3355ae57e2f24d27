# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: point of sale (``point_of_sale``).

Lot-tracked products sold at the register: the order line carries the lot
(``pack_lot_ids``), the order is paid through the payment wizard
(``pos.make.payment``), as Odoo's own tests do it
(``point_of_sale/tests/common.py``, ``create_backend_pos_order``). In one
shop Odoo creates each order's picking in real time (the default "update
quantities in stock"); in the other the stock is updated at the closing of
the session (``action_pos_session_closing_control``): one transfer for the
whole session, with no customer. In both, orders with a customer and one
without (anonymous retail customer).
"""

from odoo import Command, fields

from ..tools import recall_trace_sql
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
        cls.bob = builder.create_partner("POSF Bob")
        builder.receive(cls.product, {"POSF-L1": 20.0}, vendor)
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
        cls.order_alice = cls._paid_order(cls.config, 3.0, cls.alice)
        cls.order_anonymous = cls._paid_order(cls.config, 2.0)
        # a shop whose stock is updated at the closing of the session
        cls.company.point_of_sale_update_stock_quantities = "closing"
        cls.closing_config = cls.env["pos.config"].create(
            {
                "name": "POSF Closing Shop",
                "payment_method_ids": [Command.set(cls.payment_method.ids)],
            }
        )
        cls.closing_config.open_ui()
        cls.closing_session = cls.closing_config.current_session_id
        cls.closing_orders = (
            cls._paid_order(cls.closing_config, 2.0, cls.bob)
            | cls._paid_order(cls.closing_config, 1.0, cls.alice)
            | cls._paid_order(cls.closing_config, 1.0)
            | cls._paid_order(cls.closing_config, 4.0, cls.bob)
        )
        cls.closing_session.action_pos_session_closing_control()

    @classmethod
    def _paid_order(cls, config, qty, customer=None):
        """A register order of ``qty`` of the lot at the shop ``config``,
        paid in full."""
        order = cls.env["pos.order"].create(
            {
                "session_id": config.current_session_id.id,
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
        # at closing: one transfer of the session, no customer, no order
        self.assertEqual(self.closing_session.state, "closed")
        self.assertTrue(self.closing_session.update_stock_at_closing)
        self.assertFalse(self.closing_orders.picking_ids)
        picking = self.closing_session.picking_ids
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.partner_id)
        self.assertFalse(picking.pos_order_id)
        self.assertEqual(picking.move_line_ids.lot_id, self.lot)
        self.assertEqual(sum(picking.move_line_ids.mapped("quantity")), 8.0)

    def test_lot_sold_at_the_register_stays_alone(self):
        self.assertLots(self.lot._trace_downstream().lots, self.lot)
        self.assertLots(self.lot._trace_upstream().lots, self.lot)

    def test_recall_reaches_register_customers(self):
        """Every customer the orders name, in both modes; the anonymous
        retail customer row only for the sales without one."""
        recall = self._traced_recall(self.lot)
        partner_model = self.env["res.partner"]
        self.assertEqual(
            self._per_partner(recall.shipment_ids),
            {self.alice: 4.0, self.bob: 6.0, partner_model: 3.0},
        )
        closing_picking = self.closing_session.picking_ids
        self.assertEqual(
            {
                (row.partner_id, row.quantity)
                for row in recall.shipment_ids
                if row.move_line_id.picking_id == closing_picking
            },
            {
                (self.bob, 2.0),
                (self.alice, 1.0),
                (partner_model, 1.0),
                (self.bob, 4.0),
            },
        )
        anonymous = recall.shipment_ids.filtered(lambda s: not s.partner_id)
        self.assertEqual(
            anonymous.move_line_id.picking_id,
            self.order_anonymous.picking_ids | closing_picking,
        )
        self.assertEqual(recall.customer_count, 3)
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.lot, self.stock_location): 7.0}
        )
        self.assertEqual(
            self._events(recall, self.lot), ["receiving"] + ["shipping"] * 6
        )
        self.assertFullyAccounted(recall, self.lot)
        # the genealogy of the recall and the live one of the lot name them
        for graph in (recall.get_genealogy(), self.lot.get_genealogy()):
            customers = {
                node["label"]: node["quantities"]
                for node in graph["nodes"]
                if node["kind"] == "customer"
            }
            self.assertEqual(
                customers,
                {
                    "POSF Alice": [[4.0, "Units"]],
                    "POSF Bob": [[6.0, "Units"]],
                    "Anonymous retail customer": [[3.0, "Units"]],
                },
            )

    def test_without_point_of_sale_tables(self):
        """The trace statement for a database without ``point_of_sale`` reads
        none of its tables; the closing session's sales are then one
        anonymous row each, as the transfer says."""
        recall = self._new_recall(self.lot)
        rows = recall._get_trace_rows()
        params = {**recall._get_trace_params(rows), "pos": False}
        self.env.execute_query(recall_trace_sql.delete_results_query(recall.id))
        self.env.execute_query(recall._trace_query(rows, params))
        self.env.invalidate_all()
        self.assertEqual(
            self._per_partner(recall.shipment_ids),
            {self.alice: 3.0, self.env["res.partner"]: 10.0},
        )
        self.assertFalse(self.env["stock.recall.line.customer"].search([]))

    def test_notify_reaches_customers_of_the_closing_session(self):
        """The notice step offers every named customer, those of the closing
        session included, and records the notice on all their rows."""
        self.alice.email = "alice@posf.example.com"
        self.bob.email = "bob@posf.example.com"
        recall = self._traced_recall(self.lot).with_user(self.recall_manager)
        wizard = self._notify_wizard(recall)
        self.assertEqual(wizard.line_ids.partner_id, self.alice | self.bob)
        wizard.action_apply()
        named = recall.shipment_ids.filtered("partner_id")
        self.assertEqual(len(named), 4)
        self.assertTrue(all(named.mapped("notified")))
        self.assertFalse(
            any(
                recall.shipment_ids.filtered(lambda s: not s.partner_id).mapped(
                    "notified"
                )
            )
        )
        self.assertEqual(recall.notify_pending_count, 0)
        self.assertEqual(recall.notified_customer_count, 2)

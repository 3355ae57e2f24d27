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

import csv
import io

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
        cls._pay(order)
        return order

    @classmethod
    def _pay(cls, order):
        """Pay ``order`` in full through the payment wizard."""
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
            jam = ["POSF Jam", self.product.id]
            self.assertEqual(
                customers,
                {
                    "POSF Alice": [[4.0, "Units", *jam]],
                    "POSF Bob": [[6.0, "Units", *jam]],
                    "Anonymous retail customer": [[3.0, "Units", *jam]],
                },
            )

    def test_genealogy_check_catches_a_customer_who_bought_nothing(self):
        """The check of the genealogy knows the customers that the orders
        of a closing session name (Bob's box is true), and still refuses a
        box of that session's shop for a customer who never bought the
        lot, or Bob's box without his rows."""
        recall = self._traced_recall(self.lot)
        carol = self.builder.create_partner("POSF Carol")
        for graph in (recall.get_genealogy(), self.lot.get_genealogy()):
            bob = f"customer-{self.bob.id}"
            self.assertGraphTrue(graph)
            with self.assertRaisesRegex(
                AssertionError, "no shipment of the lot to this customer"
            ):
                self.assertGraphTrue(
                    self._forged(graph, bob, id=f"customer-{carol.id}")
                )
            with self.assertRaisesRegex(AssertionError, "no record of the box"):
                self.assertGraphTrue(self._forged(graph, bob, res_ids=[]))

    def test_fsma_export_names_the_closing_session_customers(self):
        """The FSMA rows of the closing session's transfer name the customer
        of each order as next recipient (one row per order's line, with its
        quantity), not the customers' location; a sale without a customer
        keeps the location."""
        recall = self._traced_recall(self.lot)
        _filename, content, _mimetype = recall._get_export_file("fsma", "csv")
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        rows = list(csv.DictReader(io.StringIO(text)))
        closing_picking = self.closing_session.picking_ids
        customers = closing_picking.location_dest_id.display_name
        self.assertEqual(
            sorted(
                (row["Next recipient location"], float(row["Quantity"]))
                for row in rows
                if row["Event type"] == "Shipping"
                and row["Reference document number"] == closing_picking.name
            ),
            sorted(
                [
                    ("POSF Alice", 1.0),
                    ("POSF Bob", 2.0),
                    ("POSF Bob", 4.0),
                    (customers, 1.0),
                ]
            ),
        )
        self.assertEqual(
            sorted(
                (row["Next recipient location"], float(row["Quantity"]))
                for row in rows
                if row["Event type"] == "Shipping"
            ),
            sorted(
                [
                    ("POSF Alice", 1.0),
                    ("POSF Alice", 3.0),
                    ("POSF Bob", 2.0),
                    ("POSF Bob", 4.0),
                    (customers, 1.0),
                    (customers, 2.0),
                ]
            ),
        )

    def test_fsma_export_names_the_customer_of_a_refund_at_closing(self):
        """Bob brings back his 4 units at the next session of the closing
        shop (a refund of his order): the return's previous source is Bob,
        not the customers' location."""
        self.closing_config.open_ui()
        session = self.closing_config.current_session_id
        order = self.closing_orders.filtered(
            lambda o: o.partner_id == self.bob and o.lines.qty == 4.0
        )
        refund = self.env["pos.order"].browse(order.refund()["res_id"])
        self._pay(refund)
        session.action_pos_session_closing_control()
        self.assertEqual(session.picking_ids.move_line_ids.lot_id, self.lot)
        recall = self._traced_recall(self.lot)
        _filename, content, _mimetype = recall._get_export_file("fsma", "csv")
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        self.assertEqual(
            [
                (row["Previous source location"], float(row["Quantity"]))
                for row in csv.DictReader(io.StringIO(text))
                if row["Event type"] == "Customer Return"
            ],
            [("POSF Bob", 4.0)],
        )

    def test_fsma_rows_read_the_named_customers_once(self):
        """The customers the trace named are read once for all the events:
        three more named sales at a closing session cost the FSMA rows no
        query more."""

        def count_queries(recall):
            # a first call fills Odoo's caches (the event types' labels)
            recall._get_fsma_rows()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            recall._get_fsma_rows()
            return self.env.cr.sql_log_count - before

        recall = self._traced_recall(self.lot)
        named = self.env["stock.recall.line.customer"].search_count(
            [("recall_id", "=", recall.id)]
        )
        few = count_queries(recall)
        carol = self.builder.create_partner("POSF Carol")
        self.closing_config.open_ui()
        session = self.closing_config.current_session_id
        for customer in (carol, self.alice, self.bob):
            self._paid_order(self.closing_config, 1.0, customer)
        session.action_pos_session_closing_control()
        recall.action_trace()
        self.assertEqual(
            self.env["stock.recall.line.customer"].search_count(
                [("recall_id", "=", recall.id)]
            ),
            named + 3,
        )
        self.assertEqual(count_queries(recall), few)

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

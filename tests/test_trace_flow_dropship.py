# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.fields import Command
from odoo.tests import Form

from .common_trace_flow import TraceFlowCase


class TestTraceFlowDropship(TraceFlowCase):
    """Supplier → customer in one move (a receipt and a shipment at once):
    a dropship of ``stock_dropshipping`` (sale order, purchase order,
    dropship transfer) and a plain transfer from the vendors' location to a
    customer's. Both events, the customer in the shipments, balanced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("stock_dropshipping", "sale_stock", "purchase_stock")
        # delivery addresses on the sale order, locations on the transfer
        cls._grant_groups(
            "account.group_delivery_invoice_address",
            "stock.group_stock_multi_locations",
        )
        builder = cls.builder
        cls.vendor = builder.create_partner("DS Vendor")
        cls.customer = builder.create_partner("DS Customer")
        cls.customer_site = cls.env["res.partner"].create(
            {
                "name": "DS Customer Site",
                "type": "delivery",
                "parent_id": cls.customer.id,
            }
        )
        cls.walk_in = builder.create_partner("DS Direct Customer")
        cls.product = builder.create_product(
            "DS Pump",
            seller_ids=[Command.create({"partner_id": cls.vendor.id})],
            route_ids=[
                Command.link(cls.env.ref("stock_dropshipping.route_drop_shipping").id)
            ],
        )
        cls.dropship = cls._dropship(5.0, "DS-LOT-1")
        cls.dropship_lot = cls.dropship.move_line_ids.lot_id
        cls.direct = cls._direct_transfer(3.0, "DS-LOT-2")
        cls.direct_lot = cls.direct.move_line_ids.lot_id

    @classmethod
    def _dropship(cls, qty, lot_name):
        """Sale order → purchase order → dropship transfer, validated with a
        new lot typed on its line."""
        so_form = Form(cls.env["sale.order"])
        so_form.partner_id = cls.customer
        so_form.partner_shipping_id = cls.customer_site
        with so_form.order_line.new() as line:
            line.product_id = cls.product
            line.product_uom_qty = qty
        sale = so_form.save()
        sale.action_confirm()
        purchase = sale.stock_reference_ids.purchase_ids
        purchase.button_confirm()
        picking = purchase.picking_ids
        picking.move_line_ids.lot_name = lot_name
        picking.move_ids.picked = True
        picking.button_validate()
        return picking

    @classmethod
    def _direct_transfer(cls, qty, lot_name):
        """A receipt whose destination is the customer's location (the
        goods go straight from the vendors' location to the customer)."""
        picking_form = Form(cls.env["stock.picking"])
        picking_form.picking_type_id = cls.warehouse.in_type_id
        picking_form.partner_id = cls.walk_in
        picking_form.location_dest_id = cls.walk_in.property_stock_customer
        with picking_form.move_ids.new() as move:
            move.product_id = cls.product
            move.product_uom_qty = qty
        picking = picking_form.save()
        picking.action_confirm()
        picking.move_line_ids.lot_name = lot_name
        picking.move_ids.picked = True
        picking.button_validate()
        return picking

    def test_dropship_documents(self):
        for picking in (self.dropship, self.direct):
            with self.subTest(picking=picking.name):
                self.assertEqual(picking.state, "done")
                self.assertEqual(picking.location_id.usage, "supplier")
                self.assertEqual(picking.location_dest_id.usage, "customer")
        self.assertTrue(self.dropship.is_dropship)
        self.assertEqual(self.dropship_lot.name, "DS-LOT-1")

    def test_trace_keeps_the_lot(self):
        for lot, picking in (
            (self.dropship_lot, self.dropship),
            (self.direct_lot, self.direct),
        ):
            with self.subTest(lot=lot.name):
                self.assertEqual(lot._trace_downstream().lots, lot)
                upstream = lot._trace_upstream()
                self.assertEqual(upstream.lots, lot)
                self.assertEqual(upstream.move_lines, picking.move_line_ids)

    def test_recall_of_dropshipped_lot(self):
        recall = self._traced_recall(self.dropship_lot)
        line = self.dropship.move_line_ids
        events = recall.event_ids
        self.assertEqual(events.move_line_id, line)
        self.assertEqual(sorted(events.mapped("event_type")), ["receiving", "shipping"])
        # both events of the line in the tab, from the ids the trace stored
        self.assertEqual(
            events.ids,
            self.env["stock.recall.event"]
            .search([("recall_id", "=", recall.id), ("id", "!=", 0)])
            .ids,
        )
        self.assertEqual(
            events.ids,
            self.env["stock.recall.event"]
            ._get_traced_rows([("recall_id", "in", recall.ids)])
            .ids,
        )
        # the customer of the sale order, not the vendor of the transfer
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.customer: 5.0})
        self.assertEqual(recall.shipment_ids.move_line_id, line)
        self.assertFalse(self._on_hand(recall))
        lot = self._affected(recall, self.dropship_lot)
        self.assertEqual((lot.qty_received, lot.qty_shipped), (5.0, 5.0))
        self.assertFullyAccounted(recall, self.dropship_lot)

    def test_recall_of_direct_transfer(self):
        recall = self._traced_recall(self.direct_lot)
        self.assertEqual(
            sorted(recall.event_ids.mapped("event_type")), ["receiving", "shipping"]
        )
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.walk_in: 3.0})
        self.assertFalse(self._on_hand(recall))
        lot = self._affected(recall, self.direct_lot)
        self.assertEqual((lot.qty_received, lot.qty_shipped), (3.0, 3.0))
        self.assertFullyAccounted(recall, self.direct_lot)

    def test_dropship_return_nets_the_customer(self):
        """The customer sends the dropshipped lot back to the vendor (return
        wizard on the dropship): customer return and vendor return at once."""
        self.builder.return_picking(self.dropship, {self.dropship_lot: 2.0})
        recall = self._traced_recall(self.dropship_lot)
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.customer: 3.0})
        self.assertEqual(
            sorted(recall.event_ids.mapped("event_type")),
            ["customer_return", "receiving", "shipping", "vendor_return"],
        )
        self.assertFalse(self._on_hand(recall))
        self.assertFullyAccounted(recall, self.dropship_lot)

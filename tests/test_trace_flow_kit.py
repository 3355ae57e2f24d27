# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.tests import Form

from .common_trace_flow import TraceFlowCase


class TestTraceFlowKit(TraceFlowCase):
    """A kit (phantom BoM) sold through a sale order: the delivery moves the
    component lots, which reach the customer of the kit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("mrp", "sale_stock", "sale_mrp")
        # delivery addresses on the sale order
        cls._grant_groups("account.group_delivery_invoice_address")
        builder = cls.builder
        cls.shaker = builder.create_product("KIT Shaker")
        cls.sachet = builder.create_product("KIT Protein Sachet")
        cls.kit = builder.create_product("KIT Starter Kit", tracking="none")
        cls._bom(cls.kit, {cls.shaker: 1.0, cls.sachet: 2.0}, bom_type="phantom")
        vendor = builder.create_partner("KIT Vendor")
        builder.receive(cls.shaker, {"KIT-SH1": 5.0}, vendor)
        builder.receive(cls.sachet, {"KIT-SA1": 4.0}, vendor)
        builder.receive(cls.sachet, {"KIT-SA2": 4.0}, vendor)
        cls.shaker_lot = builder.get_lots(cls.shaker, ["KIT-SH1"])
        cls.sachet_lot1, cls.sachet_lot2 = builder.get_lots(
            cls.sachet, ["KIT-SA1", "KIT-SA2"]
        )
        cls.gym = builder.create_partner("KIT Gym Chain")
        cls.gym_shop = cls.env["res.partner"].create(
            {"name": "KIT Gym Downtown", "type": "delivery", "parent_id": cls.gym.id}
        )
        so_form = Form(cls.env["sale.order"])
        so_form.partner_id = cls.gym
        so_form.partner_shipping_id = cls.gym_shop
        with so_form.order_line.new() as line:
            line.product_id = cls.kit
            line.product_uom_qty = 3.0
        cls.sale = so_form.save()
        cls.sale.action_confirm()
        cls.delivery = cls.sale.picking_ids
        cls.delivery.action_assign()
        cls.delivery.move_ids.picked = True
        cls.delivery.button_validate()

    def test_kit_delivery_documents(self):
        """Odoo shipped the components, FIFO on the sachet lots."""
        self.assertEqual(self.delivery.state, "done")
        self.assertEqual(self.sale.order_line.qty_delivered, 3.0)
        lines = self.delivery.move_line_ids
        self.assertEqual(lines.move_id.bom_line_id.bom_id.product_id, self.kit)
        self.assertEqual(
            {(ml.lot_id, ml.quantity) for ml in lines},
            {
                (self.shaker_lot, 3.0),
                (self.sachet_lot1, 4.0),
                (self.sachet_lot2, 2.0),
            },
        )

    def test_component_lots_trace(self):
        # a kit is not manufactured: the component lots stay the lots shipped
        self.assertEqual(self.sachet_lot2._trace_downstream().lots, self.sachet_lot2)
        self.assertEqual(self.sachet_lot2._trace_upstream().lots, self.sachet_lot2)
        trace = self.shaker_lot._trace_downstream()
        shipped = trace.move_lines.filtered(
            lambda ml: ml.location_dest_id.usage == "customer"
        )
        self.assertEqual(shipped.picking_id, self.delivery)

    def test_recall_reaches_kit_customer(self):
        recall = self._traced_recall(self.shaker_lot | self.sachet_lot2)
        self.assertFullyAccounted(recall, self.shaker_lot | self.sachet_lot2)
        # one customer, the commercial partner of the delivery address
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.gym: 5.0})
        self.assertEqual(recall.shipment_ids.delivery_partner_id, self.gym_shop)
        self.assertEqual(
            self._on_hand(recall), {self.shaker_lot: 2.0, self.sachet_lot2: 2.0}
        )
        self.assertEqual(
            sorted(self._events(recall, self.sachet_lot2)), ["receiving", "shipping"]
        )

    def test_kit_return_nets_the_customer(self):
        """One kit comes back (return wizard): its component lots are
        returned, and the customer's net quantity drops."""
        self.builder.return_picking(
            self.delivery, {self.shaker_lot: 1.0, self.sachet_lot2: 2.0}
        )
        recall = self._traced_recall(self.shaker_lot | self.sachet_lot2)
        shaker = recall.shipment_ids.filtered(lambda s: s.lot_id == self.shaker_lot)
        self.assertEqual(self._per_partner(shaker), {self.gym: 2.0})
        sachet = recall.shipment_ids.filtered(lambda s: s.lot_id == self.sachet_lot2)
        self.assertEqual(self._per_partner(sachet), {self.gym: 0.0})
        self.assertEqual(
            self._on_hand(recall), {self.shaker_lot: 3.0, self.sachet_lot2: 4.0}
        )
        self.assertFullyAccounted(recall, self.shaker_lot | self.sachet_lot2)

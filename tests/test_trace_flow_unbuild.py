# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from .common_trace_flow import TraceFlowCase


class TestTraceFlowUnbuild(TraceFlowCase):
    """Unbuild orders: the finished lot taken apart gives back its component
    lots (linked through ``unbuild_id`` / ``consume_unbuild_id``), and a
    recovered component used again carries the recall to its new customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("mrp")
        # lots to produce on the manufacturing order form
        cls._grant_groups("stock.group_production_lot")
        cls.chain = cls._build_unbuild_chain("UB", parts=2, levels=1)
        cls.assembly = cls.chain["assembly_lot"]
        cls.part1, cls.part2 = cls.chain["part_lots"]
        cls.refurbished = cls.chain["new_lots"][-1]

    @classmethod
    def _build_unbuild_chain(cls, prefix, parts, levels):
        """Assembly lot ``<prefix>-A1`` (4 units, one of each part lot per
        unit), 1 shipped to Alice, 2 unbuilt; one recovered unit of the first
        part goes through ``levels`` new manufacturing orders (one new lot
        each) and the last lot is shipped to Bob."""
        builder = cls.builder
        part_products = [
            builder.create_product(f"{prefix} Part {i}") for i in range(1, parts + 1)
        ]
        assembly = builder.create_product(f"{prefix} Assembly")
        vendor = builder.create_partner(f"{prefix} Vendor")
        alice, bob = builder.create_partners([f"{prefix} Alice", f"{prefix} Bob"])
        for index, part in enumerate(part_products, start=1):
            builder.receive(part, {f"{prefix}-P{index}": 4.0}, vendor)
        bom = cls._bom(assembly, dict.fromkeys(part_products, 1.0))
        production = cls._produce(bom, 4.0, f"{prefix}-A1")
        assembly_lot = production.lot_producing_ids
        builder.deliver(assembly, {assembly_lot: 1.0}, alice)
        unbuild = cls._unbuild(production, assembly_lot, 2.0)
        component, new_productions = part_products[0], []
        for level in range(1, levels + 1):
            product = builder.create_product(f"{prefix} Refurbished L{level}")
            new_productions.append(
                cls._produce(
                    cls._bom(product, {component: 1.0}), 1.0, f"{prefix}-R{level}"
                )
            )
            component = product
        new_lots = [mo.lot_producing_ids for mo in new_productions]
        builder.deliver(component, {new_lots[-1]: 1.0}, bob)
        return {
            "assembly_lot": assembly_lot,
            "part_lots": [
                builder.get_lots(part, [f"{prefix}-P{index}"])
                for index, part in enumerate(part_products, start=1)
            ],
            "new_lots": new_lots,
            "production": production,
            "unbuild": unbuild,
            "alice": alice,
            "bob": bob,
        }

    def test_unbuild_documents(self):
        """Odoo's unbuild consumed 2 assembly units and gave back 2 of each
        part lot (the flow the trace must follow). Odoo 19 sets
        ``unbuild_id`` on both sides (``consume_unbuild_id`` stays empty) and
        links no line to another when the order has no by-product."""
        lines = self.env["stock.move.line"].search(
            [("move_id.unbuild_id", "=", self.chain["unbuild"].id)]
        )
        consumed = lines.filtered(lambda ml: ml.location_dest_id.usage == "production")
        self.assertEqual(consumed.lot_id, self.assembly)
        self.assertEqual(sum(consumed.mapped("quantity")), 2.0)
        recovered = lines - consumed
        self.assertEqual(recovered.lot_id, self.part1 | self.part2)
        self.assertEqual(recovered.mapped("quantity"), [2.0, 2.0])
        self.assertEqual(set(recovered.location_id.mapped("usage")), {"production"})

    def test_downstream_of_assembly_reaches_recovered_parts_and_new_lot(self):
        trace = self.assembly._trace_downstream()
        self.assertEqual(
            trace.lots, self.assembly | self.part1 | self.part2 | self.refurbished
        )
        self.assertEqual(trace.depth[self.part1.id], 1)
        self.assertEqual(trace.depth[self.refurbished.id], 2)

    def test_upstream_of_recovered_part_reaches_assembly(self):
        trace = self.part2._trace_upstream()
        self.assertEqual(trace.lots, self.part2 | self.assembly | self.part1)
        trace = self.refurbished._trace_upstream()
        self.assertEqual(
            trace.lots, self.refurbished | self.part1 | self.assembly | self.part2
        )

    def test_upstream_of_assembly_reaches_its_parts(self):
        trace = self.assembly._trace_upstream()
        self.assertEqual(trace.lots, self.assembly | self.part1 | self.part2)

    def test_recall_reaches_the_new_customer(self):
        recall = self._traced_recall(self.assembly)
        self.assertFullyAccounted(
            recall, self.assembly | self.part1 | self.part2 | self.refurbished
        )
        self.assertEqual(
            self._per_partner(recall.shipment_ids),
            {self.chain["alice"]: 1.0, self.chain["bob"]: 1.0},
        )
        self.assertEqual(
            self._on_hand(recall),
            {self.assembly: 1.0, self.part1: 1.0, self.part2: 2.0},
        )

    def test_recall_mass_balance_of_unbuild(self):
        """The unbuilt quantity is consumed, the recovered quantity produced."""
        recall = self._traced_recall(self.assembly)
        assembly = self._affected(recall, self.assembly)
        self.assertEqual(
            (assembly.qty_produced, assembly.qty_shipped, assembly.qty_consumed),
            (4.0, 1.0, 2.0),
        )
        part1 = self._affected(recall, self.part1)
        self.assertEqual(
            (part1.qty_received, part1.qty_produced, part1.qty_consumed),
            (4.0, 2.0, 5.0),
        )
        self.assertEqual(
            sorted(self._events(recall, self.assembly)),
            ["consumption", "production", "shipping"],
        )
        self.assertEqual(
            sorted(self._events(recall, self.part1)),
            ["consumption", "consumption", "production", "receiving"],
        )
        self.assertEqual(
            sorted(self._events(recall, self.refurbished)), ["production", "shipping"]
        )

    def test_serial_unbuild_and_rebuild(self):
        """A serial assembly taken apart gives back its serial component,
        which goes into a new serial assembly shipped to another customer."""
        builder = self.builder
        motor = builder.create_product("UBS Motor", tracking="serial")
        robot = builder.create_product("UBS Robot", tracking="serial")
        builder.receive(motor, {"UBS-M1": 1.0}, builder.create_partner("UBS Vendor"))
        motor_serial = builder.get_lots(motor, ["UBS-M1"])
        carol, dave = builder.create_partners(["UBS Carol", "UBS Dave"])
        bom = self._bom(robot, {motor: 1.0})
        first = self._confirmed_mo(bom, 1.0)
        first.action_generate_serial()
        self._mark_done(first)
        delivery = builder.deliver(robot, {first.lot_producing_ids: 1.0}, carol)
        builder.return_picking(delivery)
        self._unbuild(first, first.lot_producing_ids, 1.0)
        second = self._confirmed_mo(bom, 1.0)
        second.action_generate_serial()
        self._mark_done(second)
        self.assertEqual(
            second.move_raw_ids.move_line_ids.lot_id, motor_serial, "reused motor"
        )
        builder.deliver(robot, {second.lot_producing_ids: 1.0}, dave)
        robots = first.lot_producing_ids | second.lot_producing_ids
        self.assertEqual(
            first.lot_producing_ids._trace_downstream().lots, robots | motor_serial
        )
        recall = self._traced_recall(first.lot_producing_ids)
        self.assertEqual(
            self._per_partner(recall.shipment_ids), {carol: 0.0, dave: 1.0}
        )
        self.assertEqual(
            sorted(self._events(recall, motor_serial)),
            ["consumption", "consumption", "production", "receiving"],
        )
        self.assertFalse(self._on_hand(recall))
        self.assertFullyAccounted(recall, robots | motor_serial)

    def test_query_count_does_not_grow_with_unbuild_chain(self):
        big = self._build_unbuild_chain("UBQ", parts=4, levels=3)
        self.assertEqual(len(big["assembly_lot"]._trace_downstream().lots), 1 + 4 + 3)
        count = self._count_trace_queries(self.assembly)
        self.env.invalidate_all()
        with self.assertQueryCount(count):
            big["assembly_lot"]._trace_downstream()

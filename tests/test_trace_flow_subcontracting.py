# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: subcontracting (``mrp_subcontracting``).

A component lot is sent to the subcontractor by the resupply transfer that
Odoo creates ("Resupply Subcontractor on Order"); the subcontractor's
finished lot is received on the receipt, with the component lot recorded on
the subcontracting manufacturing order, as Odoo's own tests do it
(``mrp_subcontracting/tests/test_subcontracting.py``). One more unit of
the component lot is sent to the subcontractor and stays there.

The subcontractor is another firm: the resupply is a shipment to it, the
receipt of the finished lot a receipt from it (FSMA 204), and what it still
holds is on hand at its location.
"""

import csv
import io

from odoo.tests import Form

from ..exceptions import TraceabilityError
from .common_trace_flow import TraceFlowCase


class TestTraceFlowSubcontracting(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("mrp_subcontracting")
        builder = cls.builder
        cls.component = builder.create_product("SUBF Component", tracking="lot")
        cls.finished = builder.create_product("SUBF Finished", tracking="lot")
        vendor = builder.create_partner("SUBF Vendor")
        cls.subcontractor = builder.create_partner("SUBF Subcontractor")
        cls.carol = builder.create_partner("SUBF Carol")
        cls.component.route_ids = cls.env.ref(
            "mrp_subcontracting.route_resupply_subcontractor_mto"
        )
        builder.receive(cls.component, {"SUBF-C1": 20.0}, vendor)
        cls.component_lot = builder.get_lots(cls.component, ["SUBF-C1"])
        cls.receipt, cls.production, cls.resupply, cls.finished_lot = cls._subcontract(
            cls.finished, "SUBF-F1", 5.0
        )
        builder.deliver(cls.finished, {cls.finished_lot: 3.0}, cls.carol)
        # one more unit sent to the subcontractor, not used (yet)
        cls.subcontractor_location = cls.subcontractor.property_stock_subcontractor
        cls.extra_resupply = builder.do_picking(
            cls.warehouse.subcontracting_resupply_type_id,
            cls.subcontractor,
            cls.stock_location,
            cls.subcontractor_location,
            {cls.component: builder.lot_lines(cls.component, {cls.component_lot: 1.0})},
        )

    @classmethod
    def _subcontract(cls, finished, lot_name, qty):
        """Receive ``qty`` of ``finished`` lot ``lot_name`` from the
        subcontractor (BoM: 2 components per unit), resupplied with the
        component lot; returns the receipt, the subcontracting MO, the
        resupply transfer and the finished lot."""
        bom_form = Form(cls.env["mrp.bom"])
        bom_form.type = "subcontract"
        bom_form.product_tmpl_id = finished.product_tmpl_id
        bom_form.subcontractor_ids.add(cls.subcontractor)
        with bom_form.bom_line_ids.new() as bom_line:
            bom_line.product_id = cls.component
            bom_line.product_qty = 2
        bom_form.save()
        # the subcontracting receipt creates the MO and the resupply transfer
        receipt_form = Form(cls.env["stock.picking"])
        receipt_form.picking_type_id = cls.warehouse.in_type_id
        receipt_form.partner_id = cls.subcontractor
        with receipt_form.move_ids.new() as move:
            move.product_id = finished
            move.product_uom_qty = qty
        receipt = receipt_form.save()
        receipt.action_confirm()
        resupply = receipt._get_subcontract_production().picking_ids
        resupply.move_ids.move_line_ids.unlink()
        cls.builder.set_lot_lines(
            resupply.move_ids,
            {cls.component: [{"lot_id": cls.component_lot.id, "quantity": 2 * qty}]},
        )
        cls.builder.validate(resupply)
        # the finished lot on the receipt, the component lot on the MO
        finished_lot = cls.env["stock.lot"].create(
            {"name": lot_name, "product_id": finished.id}
        )
        move = receipt.move_ids
        action = move.action_show_details()
        with Form(move.with_context(action["context"]), view=action["view_id"]) as form:
            with form.move_line_ids.edit(0) as line:
                line.lot_id = finished_lot
                line.quantity = qty
                line.picked = True
        # the receipt's lot gives the subcontracting MO its producing lot
        production = receipt._get_subcontract_production().filtered(
            lambda mo: mo.state != "cancel"
        )
        raw_move = production.move_raw_ids
        action = raw_move.action_show_details()
        with Form(
            raw_move.with_context(action["context"]), view=action["view_id"]
        ) as form:
            for _index in range(len(form.move_line_ids)):
                form.move_line_ids.remove(0)
            with form.move_line_ids.new() as line:
                line.lot_id = cls.component_lot
                line.quantity = 2 * qty
                line.picked = True
        cls.builder.validate(receipt)
        return receipt, production, resupply, finished_lot

    def test_flow_is_built_by_odoo(self):
        self.assertEqual(self.production.state, "done")
        self.assertEqual(self.production.subcontractor_id, self.subcontractor)
        self.assertEqual(self.production.lot_producing_ids, self.finished_lot)
        self.assertEqual(
            self.resupply.picking_type_id,
            self.warehouse.subcontracting_resupply_type_id,
        )
        consumed = self.production.move_raw_ids.move_line_ids
        self.assertEqual(consumed.lot_id, self.component_lot)
        made = self.production.move_finished_ids.move_line_ids
        self.assertEqual(made.lot_id, self.finished_lot)
        self.assertEqual(made.consume_line_ids, consumed)

    def test_subcontracting_location_keeps_the_on_hand_rule(self):
        """The receipt of a subcontracted lot passes "no phantom lots" (its
        MO puts the lot in the subcontracting location in the same
        validation); taking more of a lot from there than is on hand (1
        unit) is still refused."""
        location = self.subcontractor.property_stock_subcontractor
        self.assertFalse(
            sum(
                self.env["stock.quant"]
                ._gather(self.finished, location)
                .mapped("quantity")
            )
        )
        with self.assertRaisesRegex(TraceabilityError, "SUBF-C1 is not on hand"):
            self.builder.transfer(
                self.component,
                {self.component_lot: 2.0},
                self.stock_location,
                location=location,
            )

    def test_subcontracted_serial(self):
        """A serial received from the subcontractor passes "one unit per
        serial" (its receipt line is done before the MO puts it in the
        subcontracting location)."""
        device = self.builder.create_product("SUBF Device", tracking="serial")
        _receipt, production, _resupply, serial = self._subcontract(
            device, "SUBF-SN-1", 1.0
        )
        self.assertEqual(production.state, "done")
        self.assertLots(
            self.component_lot._trace_downstream().lots,
            self.component_lot | self.finished_lot | serial,
        )
        recall = self._traced_recall(serial, direction="upstream")
        self.assertEqual(
            self._stock(recall, "on_hand"),
            {
                (serial, self.stock_location): 1.0,
                (self.component_lot, self.stock_location): 7.0,
                (self.component_lot, self.subcontractor_location): 1.0,
            },
        )
        self.assertFullyAccounted(recall, self.component_lot | serial)

    def test_component_lot_reaches_finished_lot(self):
        self.assertLots(
            self.component_lot._trace_downstream().lots,
            self.component_lot | self.finished_lot,
        )
        self.assertLots(
            self.finished_lot._trace_upstream().lots,
            self.component_lot | self.finished_lot,
        )

    def test_recall_of_component_reaches_customer(self):
        recall = self._traced_recall(self.component_lot)
        # the subcontractor is no customer: Carol is the only one
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.carol: 3.0})
        # what the subcontractor holds is on hand, at its location
        self.assertEqual(
            self._stock(recall, "on_hand"),
            {
                (self.component_lot, self.stock_location): 9.0,
                (self.component_lot, self.subcontractor_location): 1.0,
                (self.finished_lot, self.stock_location): 2.0,
            },
        )
        component = self._affected(recall, self.component_lot)
        self.assertEqual(
            (component.qty_in, component.qty_on_hand, component.qty_shipped),
            (20.0, 10.0, 0.0),
        )
        # received, shipped to the subcontractor (twice), consumed there
        # (Odoo dates the subcontracting order's lines around its receipt:
        # order not asserted)
        self.assertCountEqual(
            self._events(recall, self.component_lot),
            [
                "receiving",
                "subcontract_shipping",
                "subcontract_shipping",
                "consumption",
            ],
        )
        # made by the subcontractor from the component lot, received from
        # it, shipped to Carol
        self.assertCountEqual(
            self._events(recall, self.finished_lot),
            ["production", "subcontract_receiving", "shipping"],
        )
        subcontracted = recall.event_ids.filtered(
            lambda e: e.event_type.startswith("subcontract_")
        )
        self.assertEqual(subcontracted.partner_id, self.subcontractor)
        production = recall.event_ids.filtered(lambda e: e.event_type == "production")
        self.assertEqual(production.input_lot_codes, "SUBF-C1")
        # the subcontractor gave the finished lot its code
        self.assertEqual(
            self._affected(recall, self.finished_lot).tlc_source, "SUBF Subcontractor"
        )
        self.assertFullyAccounted(recall, self.component_lot | self.finished_lot)

    def test_genealogy_names_the_subcontractor(self):
        """The subcontractor is drawn as a party that held the component
        lot (what it was sent), apart from the customers."""
        recall = self._traced_recall(self.component_lot)
        for graph in (recall.get_genealogy(), self.component_lot.get_genealogy()):
            parties = {
                node["label"]: (node["state"], node["quantities"])
                for node in graph["nodes"]
                if node["kind"] == "customer"
            }
            # per product, as a customer's box
            self.assertEqual(
                parties,
                {
                    "SUBF Subcontractor": (
                        "subcontractor",
                        [[11.0, "Units", "SUBF Component", self.component.id]],
                    ),
                    "SUBF Carol": (
                        "customer",
                        [[3.0, "Units", "SUBF Finished", self.finished.id]],
                    ),
                },
            )
            subcontractor = next(
                node for node in graph["nodes"] if node["state"] == "subcontractor"
            )
            lot_node = next(
                node
                for node in graph["nodes"]
                if node["kind"] == "lot" and node["label"] == "SUBF-C1"
            )
            self.assertIn(
                (lot_node["id"], subcontractor["id"]),
                {(edge["source"], edge["target"]) for edge in graph["edges"]},
            )
            self.assertEqual(
                self.env["stock.move.line"].browse(subcontractor["res_ids"]).picking_id,
                self.resupply | self.extra_resupply,
            )
            self.assertEqual(graph["customer_count"], 1)

    def test_genealogy_check_catches_a_false_subcontractor(self):
        """The check of the genealogy knows the subcontractor the component
        lot was sent to (its box is true), and still refuses the box of
        another partner, a customer's box for it, the subcontractor's box
        for Carol, or an edge from the finished lot (received from the
        subcontractor, never sent to it)."""
        recall = self._traced_recall(self.component_lot)
        for graph in (recall.get_genealogy(), self.component_lot.get_genealogy()):
            self.assertGraphTrue(graph)
            party = f"subcontractor-{self.subcontractor.id}"
            carol = f"customer-{self.carol.id}"
            never_sent = "the lot was never sent to this subcontractor"
            for forged, message in (
                (
                    self._forged(graph, party, id=f"subcontractor-{self.carol.id}"),
                    never_sent,
                ),
                (
                    self._forged(graph, party, state="customer"),
                    "no shipment of the lot to this customer",
                ),
                (self._forged(graph, carol, state="subcontractor"), never_sent),
            ):
                with self.assertRaisesRegex(AssertionError, message):
                    self.assertGraphTrue(forged)
            forged = self._forged(graph, party)
            forged["edges"].append(
                {"source": f"lot-{self.finished_lot.id}", "target": party}
            )
            with self.assertRaisesRegex(AssertionError, never_sent):
                self.assertGraphTrue(forged)

    def test_fsma_export_ships_to_and_receives_from_the_subcontractor(self):
        recall = self._traced_recall(self.component_lot)
        _filename, content, _mimetype = recall._get_export_file("fsma", "csv")
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        rows = list(csv.DictReader(io.StringIO(text)))
        shipped = [
            row
            for row in rows
            if row["Event type"] == "Shipping"
            and row["Next recipient location"] == "SUBF Subcontractor"
        ]
        self.assertEqual(
            sorted(
                (row["Traceability lot code"], float(row["Quantity"]))
                for row in shipped
            ),
            [("SUBF-C1", 1.0), ("SUBF-C1", 10.0)],
        )
        self.assertTrue(
            all(
                row["Event location"].startswith(self.stock_location.complete_name)
                and row["Traceability lot code source"] == "SUBF Vendor"
                for row in shipped
            ),
            shipped,
        )
        [received] = [
            row
            for row in rows
            if row["Event type"] == "Receiving"
            and row["Previous source location"] == "SUBF Subcontractor"
        ]
        self.assertEqual(
            (
                received["Traceability lot code"],
                float(received["Quantity"]),
                received["Traceability lot code source"],
                received["Reference document number"],
            ),
            ("SUBF-F1", 5.0, "SUBF Subcontractor", self.receipt.name),
        )
        self.assertTrue(
            received["Event location"].startswith(self.stock_location.complete_name)
        )
        # no internal transfer left for the subcontractor's moves
        self.assertNotIn("Internal Transfer", {row["Event type"] for row in rows})

    def test_quarantine_leaves_the_subcontractor_stock_where_it_is(self):
        """Our stock of the lots moves to quarantine; the unit the
        subcontractor holds stays at its location (moving it would book a
        receipt from it that never happened) and the message says so."""
        recall = self._traced_recall(self.component_lot)
        quarantine = self.warehouse.quarantine_location_id
        before = recall.message_ids
        recall.action_quarantine()
        self.assertEqual(
            self._stock(recall, "on_hand"),
            {
                (self.component_lot, quarantine): 9.0,
                (self.component_lot, self.subcontractor_location): 1.0,
                (self.finished_lot, quarantine): 2.0,
            },
        )
        self.assertFalse(
            self.env["stock.move.line"].search(
                [
                    ("location_id", "=", self.subcontractor_location.id),
                    ("location_dest_id", "=", quarantine.id),
                ]
            )
        )
        self.assertTrue(self.component_lot.is_blocked)
        [message] = (recall.message_ids - before).filtered(
            lambda m: "Quarantine:" in m.body
        )
        self.assertIn("Quarantine: 2 lots blocked", message.body)
        self.assertIn(
            "Held at subcontractors, not quarantined: 1.00 Units SUBF Component of "
            f"lot SUBF-C1 at {self.subcontractor_location.display_name} (sent to "
            "SUBF Subcontractor). Ask them to hold it.",
            message.body,
        )
        self.assertFullyAccounted(recall, self.component_lot | self.finished_lot)

    def test_drill_quarantine_counts_only_our_stock(self):
        recall = self._new_recall(self.component_lot, is_mock=True)
        recall.action_trace()
        before = recall.message_ids
        recall.action_quarantine()
        [message] = (recall.message_ids - before).filtered(
            lambda m: "Drill: quarantine" in m.body
        )
        self.assertIn(
            "(9.00 Units SUBF Component, 2.00 Units SUBF Finished)", message.body
        )
        self.assertIn(
            "Held at subcontractors, not quarantined: 1.00 Units SUBF Component of "
            "lot SUBF-C1",
            message.body,
        )
        self.assertEqual(
            self._stock(recall, "on_hand")[
                self.component_lot, self.subcontractor_location
            ],
            1.0,
        )

    def test_recall_of_finished_lot_goes_back_to_component(self):
        recall = self._traced_recall(self.finished_lot, direction="upstream")
        self.assertEqual(
            {line.lot_id: line.direction for line in recall.affected_lot_ids},
            {self.finished_lot: "seed", self.component_lot: "upstream"},
        )
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.carol: 3.0})
        self.assertFullyAccounted(recall, self.component_lot | self.finished_lot)

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import io

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form

from ..models.stock_recall import FSMA_EVENT_TYPES
from .common_recall import RecallCase


class TestRecallWorkflow(RecallCase):
    """The recall record: results, mass balance, actions, outputs, drills."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RW", serials=7)
        cls.customers = cls.chain["customers"]
        for index, customer in enumerate(cls.customers, start=1):
            customer.email = f"customer{index}@rw.example.com"
        # a second delivery to the first customer, with a partial return
        cls.extra_delivery = cls.builder.deliver(
            cls.chain["products"][-1], {cls.finished[-1]: 1.0}, cls.customers[0]
        )

    def _recall(self, **vals):
        recall = self._new_recall(self.raw_lot, **vals).with_user(self.recall_manager)
        recall.action_trace()
        return recall

    def test_recall_results_and_exact_quantities(self):
        recall = self._recall()
        self.assertEqual(recall.state, "traced")
        self.assertTrue(recall.name.startswith("RCL/"))
        all_lots = self.env["stock.lot"].union(*self.chain["lots"])
        self.assertEqual(recall.affected_lot_ids.lot_id, all_lots)
        seed = recall.affected_lot_ids.filtered(lambda rl: rl.direction == "seed")
        self.assertEqual(seed.lot_id, self.raw_lot)
        deepest = recall.affected_lot_ids.filtered(
            lambda rl: rl.lot_id == self.finished[0]
        )
        self.assertEqual(deepest.depth, 3)
        self.assertEqual(deepest.path.split(" → ")[0], self.raw_lot.name)
        # serials 1..6 round-robin to 3 customers, serial 7 to customer 1 too
        expected = {
            self.customers[0]: 3.0,
            self.customers[1]: 2.0,
            self.customers[2]: 2.0,
        }
        self.assertEqual(self._per_partner(recall.shipment_ids), expected)
        self.assertEqual(recall.customer_count, 3)
        self.assertEqual(recall.shipment_count, 7)
        self.assertEqual(recall.shipment_ids.lot_id, self.finished)
        self.assertEqual(
            recall.shipment_ids.picking_id,
            self.chain["deliveries"] | self.extra_delivery,
        )
        # on hand: the raw lot keeps half of the receipt
        on_hand = recall.stock_ids.filtered(lambda s: s.kind == "on_hand")
        self.assertEqual(on_hand.lot_id, self.raw_lot)
        self.assertEqual(on_hand.quantity, 50.0)
        consumed = recall.stock_ids.filtered(lambda s: s.kind == "consumed")
        self.assertEqual(
            consumed.lot_id,
            self.raw_lot | self.chain["lots"][1] | self.chain["lots"][2],
        )
        # events: one per done move line, typed for FSMA 204
        types = set(recall.event_ids.mapped("event_type"))
        self.assertEqual(types, {"receiving", "consumption", "production", "shipping"})
        outputs = recall.event_ids.filtered(
            lambda e: e.event_type == "production" and e.lot_id == self.finished[0]
        )
        self.assertEqual(outputs.input_lot_codes, self.chain["lots"][2].name)

    def test_mass_balance_clean_chain(self):
        recall = self._recall()
        for line in recall.affected_lot_ids:
            self.assertEqual(line.balance_pct, 100.0, line.lot_id.name)
            self.assertFalse(line.balance_flag)
            self.assertEqual(line.qty_unexplained, 0.0)
        raw_line = recall.affected_lot_ids.filtered(
            lambda rl: rl.lot_id == self.raw_lot
        )
        self.assertEqual(raw_line.qty_received, 100.0)
        self.assertEqual(raw_line.qty_consumed, 50.0)
        self.assertEqual(raw_line.qty_on_hand, 50.0)
        self.assertEqual(recall.balance_pct, 100.0)
        self.assertEqual(recall.balance_flag_count, 0)

    def test_mass_balance_flags_inventory_loss(self):
        self.builder.inventory_loss(self.chain["products"][0], {self.raw_lot: 10.0})
        recall = self._recall()
        raw_line = recall.affected_lot_ids.filtered(
            lambda rl: rl.lot_id == self.raw_lot
        )
        self.assertEqual(raw_line.qty_adjusted, 10.0)
        self.assertEqual(raw_line.qty_on_hand, 40.0)
        self.assertEqual(raw_line.qty_unexplained, 10.0)
        self.assertEqual(raw_line.balance_pct, 90.0)
        self.assertTrue(raw_line.balance_flag)
        self.assertEqual(recall.balance_flag_count, 1)
        others = recall.affected_lot_ids - raw_line
        self.assertFalse(others.filtered("balance_flag"))

    def test_mass_balance_scrap_and_return_are_accounted(self):
        # The recall starts first: only returns received since then count as
        # recovered (timestamps have a one-second resolution).
        recall = self._new_recall(self.raw_lot).with_user(self.recall_manager)
        self.builder.scrap(self.chain["products"][0], self.raw_lot, 5.0)
        self.builder.return_delivery(self.extra_delivery)
        recall.action_trace()
        raw_line = recall.affected_lot_ids.filtered(
            lambda rl: rl.lot_id == self.raw_lot
        )
        self.assertEqual(raw_line.qty_scrapped, 5.0)
        last = recall.affected_lot_ids.filtered(
            lambda rl: rl.lot_id == self.finished[-1]
        )
        self.assertEqual(
            (last.qty_shipped, last.qty_returned, last.qty_on_hand), (1.0, 1.0, 1.0)
        )
        self.assertFalse(recall.affected_lot_ids.filtered("balance_flag"))
        self.assertEqual(recall.qty_recovered_display, "1.00 Units RW Finished")
        self.assertAlmostEqual(recall.recovered_pct, 100.0 / 7, places=2)

    def test_quarantine_blocks_and_moves_stock(self):
        recall = self._recall()
        quarantine = self.warehouse.quarantine_location_id
        self.assertTrue(
            quarantine, "the add-on gives each warehouse a quarantine location"
        )
        recall.action_quarantine()
        self.assertEqual(recall.state, "in_progress")
        lots = recall.affected_lot_ids.lot_id
        self.assertTrue(all(lots.mapped("is_blocked")))
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", lots.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
            ]
        )
        self.assertEqual(quants.location_id, quarantine)
        self.assertEqual(sum(quants.mapped("quantity")), 50.0)
        # the trace was refreshed and the balance still holds
        on_hand = recall.stock_ids.filtered(lambda s: s.kind == "on_hand")
        self.assertEqual(on_hand.location_id, quarantine)
        self.assertFalse(recall.affected_lot_ids.filtered("balance_flag"))

    def test_notify_one_message_per_customer(self):
        recall = self._recall()
        messages_before = recall.message_ids
        self._notify_wizard(recall).action_apply()
        notices = recall.message_ids - messages_before
        notices = notices.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(notices), 3)
        self.assertEqual(notices.partner_ids, self.customers)
        first = notices.filtered(lambda m: m.partner_ids == self.customers[0])
        for lot in self.finished.filtered(
            lambda lot: lot
            in recall.shipment_ids.filtered(
                lambda s: s.partner_id == self.customers[0]
            ).lot_id
        ):
            self.assertIn(lot.name, first.body)
        self.assertNotIn(self.finished[1].name, first.body)
        self.assertTrue(all(recall.shipment_ids.mapped("notified")))

    def test_mock_drill_never_touches_stock_or_mail(self):
        recall = self._recall(is_mock=True)
        quants_before = self.env["stock.quant"].search_read(
            [("lot_id", "in", recall.affected_lot_ids.lot_id.ids)],
            ["location_id", "quantity"],
        )
        messages_before = recall.message_ids
        recall.action_quarantine()
        self._notify_wizard(recall).action_apply()
        self.assertFalse(any(recall.affected_lot_ids.lot_id.mapped("is_blocked")))
        quants_after = self.env["stock.quant"].search_read(
            [("lot_id", "in", recall.affected_lot_ids.lot_id.ids)],
            ["location_id", "quantity"],
        )
        self.assertEqual(quants_before, quants_after)
        new_messages = recall.message_ids - messages_before
        self.assertFalse(new_messages.partner_ids)
        self.assertFalse(new_messages.filtered(lambda m: m.message_type == "comment"))
        self.assertEqual(recall.state, "traced")
        # timed when its trace ended, not by an export (test_recall_close)
        self.assertTrue(recall.date_drill_done)
        self.assertGreaterEqual(recall.drill_elapsed, 0.0)
        self.assertEqual(recall.drill_accounted_pct, 100.0)

    def test_fsma_exports(self):
        recall = self._recall()
        action = recall.action_export_csv()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        rows = list(csv.reader(io.StringIO(attachment.raw.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        self.assertIn("Traceability lot code", header)
        self.assertIn("Input traceability lot codes", header)
        self.assertEqual(
            len(body),
            len(recall.event_ids.filtered(lambda e: e.event_type in FSMA_EVENT_TYPES)),
        )
        col = {name: header.index(name) for name in header}
        shipping = [r for r in body if r[col["Event type"]] == "Shipping"]
        self.assertEqual(len(shipping), 7)
        self.assertEqual(
            {r[col["Next recipient location"]] for r in shipping},
            set(self.customers.mapped("display_name")),
        )
        receiving = [r for r in body if r[col["Event type"]] == "Receiving"]
        self.assertEqual(
            receiving[0][col["Traceability lot code source"]], self.chain["vendor"].name
        )
        xlsx = recall.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(xlsx["url"].split("/")[3].split("?")[0])
        )
        from openpyxl import load_workbook  # noqa: PLC0415

        sheet = load_workbook(io.BytesIO(attachment.raw)).active
        self.assertEqual(
            sheet.max_row,
            len(recall.event_ids.filtered(lambda e: e.event_type in FSMA_EVENT_TYPES))
            + 1,
        )
        self.assertEqual(sheet.cell(1, 3).value, "Traceability lot code")

    def test_pdf_report(self):
        recall = self._recall()
        action = recall.action_print()
        self.assertEqual(
            action["report_name"], "stock_lot_traceability.report_stock_recall"
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "stock_lot_traceability.report_stock_recall", recall.ids
            )[0]
            .decode()
        )
        self.assertIn("Mass balance", html)
        for customer in self.customers:
            self.assertIn(customer.name, html)

    def test_security_stock_user_reads_only(self):
        recall = self._recall()
        as_user = recall.with_user(self.stock_user)
        self.assertEqual(as_user.affected_lot_count, len(recall.affected_lot_ids))
        self.assertTrue(as_user.shipment_ids.read(["partner_id"]))
        with self.assertRaises(AccessError):
            self.env["stock.recall"].with_user(self.stock_user).create(
                {"lot_ids": [Command.set(self.raw_lot.ids)], "reason": "x"}
            )
        # readers can print and export
        self.assertEqual(
            as_user.action_print()["report_name"],
            "stock_lot_traceability.report_stock_recall",
        )
        url = as_user.action_export_csv()["url"]
        attachment = self.env["ir.attachment"].browse(
            int(url.split("/")[3].split("?")[0])
        )
        self.assertTrue(attachment.with_user(self.stock_user).raw)
        with self.assertRaises(AccessError):
            as_user.action_trace()
        with self.assertRaises(AccessError):
            as_user.action_quarantine()
        with self.assertRaises(AccessError):
            as_user.action_notify()
        self.assertFalse(any(self.raw_lot.mapped("is_blocked")))

    def test_multi_company_rule(self):
        recall = self._recall()
        other = self.env["res.company"].create({"name": "Recall other company"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "slt_recall_outsider",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "group_ids": [
                    Command.link(
                        self.env.ref("stock_lot_traceability.group_recall_manager").id
                    )
                ],
            }
        )
        self.assertFalse(
            self.env["stock.recall"]
            .with_user(outsider)
            .search([("id", "=", recall.id)])
        )
        # the rows of the recall, listed from the ids its trace stored or
        # read by id: checked on their recall
        for model in ("stock.recall.shipment", "stock.recall.event"):
            rows = self.env[model].with_user(outsider)
            self.assertFalse(rows.search([("recall_id", "=", recall.id)]), model)
            self.assertFalse(
                rows.search_count([("recall_id", "in", recall.ids)]), model
            )
            row = self.env[model].search([("recall_id", "=", recall.id)], limit=1)
            self.assertTrue(row, model)
            with self.assertRaises(AccessError):
                row.with_user(outsider).read(["date"])
            self.assertTrue(row.with_user(self.recall_manager).read(["date"]))

    def test_entry_points(self):
        action = self.raw_lot.with_user(self.recall_manager).action_start_recall()
        form = Form(self.env["stock.recall"].with_context(**action["context"]))
        form.reason = "From the lot form"
        recall = form.save()
        self.assertEqual(recall.lot_ids, self.raw_lot)
        server_action = self.env.ref(
            "stock_lot_traceability.stock_lot_action_start_recall"
        )
        result = server_action.with_context(
            active_model="stock.lot",
            active_ids=self.finished.ids,
            active_id=self.finished[0].id,
        ).run()
        self.assertEqual(result["context"]["recall_lot_ids"], self.finished.ids)
        # product: lots of the raw product received in the range
        wizard = (
            self.env["stock.recall.product"]
            .with_user(self.recall_manager)
            .create(
                {
                    "product_id": self.chain["products"][0].id,
                    "date_from": self.chain["receipt"].date_done.replace(
                        hour=0, minute=0, second=0
                    ),
                    "reason": "Supplier notice",
                }
            )
        )
        self.assertEqual(wizard.lot_ids, self.raw_lot)
        recall = self.env["stock.recall"].browse(wizard.action_apply()["res_id"])
        self.assertEqual(recall.state, "traced")
        self.assertEqual(recall.customer_count, 3)
        # vendor lot
        self.raw_lot.ref = "MILL-778"
        wizard = (
            self.env["stock.recall.vendor"]
            .with_user(self.recall_manager)
            .create(
                {
                    "partner_id": self.chain["vendor"].id,
                    "vendor_lot": "mill-778",
                    "reason": "Vendor recall",
                }
            )
        )
        self.assertEqual(wizard.lot_ids, self.raw_lot)
        other_vendor = self.builder.create_partner("Someone else")
        wizard.partner_id = other_vendor
        self.assertFalse(wizard.lot_ids)
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_upstream_recall_reaches_vendor_and_blocks_downstream_only(self):
        serial = self.finished[0]
        recall = self._new_recall(serial, direction="both").with_user(
            self.recall_manager
        )
        recall.action_trace()
        upstream = recall.affected_lot_ids.filtered(
            lambda rl: rl.direction == "upstream"
        )
        self.assertEqual(
            upstream.lot_id, self.env["stock.lot"].union(*self.chain["lots"][:-1])
        )
        receipts = recall.event_ids.filtered(lambda e: e.event_type == "receiving")
        self.assertEqual(receipts.partner_id, self.chain["vendor"])
        self.assertEqual(receipts.picking_id, self.chain["receipt"])
        self.assertEqual(recall.shipment_ids.lot_id, serial)
        recall.action_quarantine()
        self.assertTrue(serial.is_blocked)
        self.assertFalse(self.raw_lot.is_blocked)

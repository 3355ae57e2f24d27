# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import datetime
import io

import pytz

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import SQL

from .common_recall import RecallCase


class TestRecallNotify(RecallCase):
    """Notify as a step: preview, exclusion, contacts, never twice by
    accident, follow-ups on purpose, records on the shipment rows, drills,
    rights, and the customer list export."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RN", serials=7)
        cls.customer1, cls.customer2, cls.customer3 = cls.chain["customers"]
        cls.customer1.email = "c1@rn.example.com"
        cls.customer2.email = "c2@rn.example.com"
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "RN Quality Manager",
                "parent_id": cls.customer1.id,
                "email": "quality@rn.example.com",
            }
        )
        deliveries = cls.chain["deliveries"]
        # customer 3 sent back everything: nothing left to notify
        cls.builder.return_delivery(deliveries[2])
        # the last serial sold at a counter, to nobody known
        product = cls.chain["products"][-1]
        cls.builder.do_picking(
            cls.builder.warehouse.out_type_id,
            cls.env["res.partner"],
            cls.builder.stock_location,
            cls.env.ref("stock.stock_location_customers"),
            {product: cls.builder.lot_lines(product, {cls.finished[6]: 1.0})},
        )
        cls.lots1 = cls.finished[0] | cls.finished[3]
        cls.lots2 = cls.finished[1] | cls.finished[4]

    def _recall(self, **vals):
        recall = self._new_recall(self.raw_lot, **vals).with_user(self.recall_manager)
        recall.action_trace()
        return recall

    def _comments(self, recall, before):
        return (recall.message_ids - before).filtered(
            lambda m: m.message_type == "comment"
        )

    def _rows(self, recall, partner):
        return recall.shipment_ids.filtered(lambda s: s.partner_id == partner)

    def test_preview_per_customer(self):
        recall = self._recall()
        self.assertEqual(recall.notify_pending_count, 2)
        # without a notice the form counts what the trace stored: the same
        # customers as the customer rows give (returns netted, anonymous out)
        self.assertEqual(recall.holding_customer_count, 2)
        counts = self.env["stock.recall.shipment"]._get_customer_counts(recall)
        self.assertEqual(
            {
                partner_id
                for partner_id, pending, *_rest in counts[recall.id]
                if pending
            },
            set((self.customer1 | self.customer2).ids),
        )
        before = recall.message_ids
        wizard = self._notify_wizard(recall)
        self.assertFalse(recall.message_ids - before, "opening sends nothing")
        self.assertEqual(wizard.mode, "new")
        self.assertEqual(wizard.line_ids.partner_id, self.customer1 | self.customer2)
        line1 = wizard.line_ids.filtered(lambda x: x.partner_id == self.customer1)
        self.assertEqual(line1.recipient_ids, self.customer1)
        self.assertTrue(line1.include)
        for lot in self.lots1:
            self.assertIn(lot.name, line1.body_html)
            self.assertIn(
                f"{lot.name} ({lot.product_id.display_name}): 1.00 Units",
                line1.lot_summary,
            )
        for lot in self.lots2:
            self.assertNotIn(lot.name, line1.body_html)
        self.assertIn("Dear RN Customer 1", line1.body_html)
        self.assertIn(recall.name, line1.subject)
        self.assertNotIn("Follow-up", line1.subject)
        # returned everything: not listed; anonymous: listed as not notifiable
        self.assertNotIn(self.customer3, wizard.line_ids.partner_id)
        self.assertIn(f"{self.finished[6].name} (", wizard.anonymous_info)
        self.assertIn("1.00 Units", wizard.anonymous_info)
        self.assertFalse(wizard.skipped_info)

    def test_tabs_read_the_rows_the_trace_stored(self):
        """The recall's tabs list every row id from the ids the trace stored
        (no reading of its lines): the rows and the order of a search of the
        views, under the user's access rules; a recall without them (traced
        by an older release) reads the views."""
        recall = self._recall()
        for field, model in (
            ("event_ids", "stock.recall.event"),
            ("shipment_ids", "stock.recall.shipment"),
        ):
            rows = recall.env[model]
            # another condition: the search reads the view
            searched = rows.search([("recall_id", "=", recall.id), ("id", "!=", 0)])
            self.assertTrue(searched)
            # a page and the count of the recall's list, from the stored ids
            page = rows.web_search_read(
                [("recall_id", "=", recall.id)], {"id": {}}, offset=1, limit=2
            )
            self.assertEqual(page["length"], len(searched), field)
            self.assertEqual(
                [row["id"] for row in page["records"]], searched[1:3].ids, field
            )
            stored = rows._get_traced_rows([("recall_id", "in", recall.ids)])
            self.assertIsNotNone(stored, field)
            self.assertEqual(stored.ids, searched.ids, field)
            recall.invalidate_recordset([field])
            self.assertEqual(recall[field].ids, searched.ids, field)
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_recall SET %s = NULL WHERE id = %s",
                    SQL.identifier(rows._recall_row_ids_column),
                    recall.id,
                )
            )
            self.assertIsNone(
                rows._get_traced_rows([("recall_id", "in", recall.ids)]), field
            )
            recall.invalidate_recordset([field])
            self.assertEqual(recall[field].ids, searched.ids, field)
        # the customers by name, the anonymous retail customer last
        names = list(dict.fromkeys(row.partner_id.name for row in recall.shipment_ids))
        self.assertEqual(names, [*sorted(filter(None, names)), False])
        self.assertEqual(len(names), 4)

    def test_exclude_and_added_contact(self):
        recall = self._recall()
        before = recall.message_ids
        wizard = self._notify_wizard(recall)
        line1, line2 = (
            wizard.line_ids.filtered(lambda x, p=p: x.partner_id == p)
            for p in (self.customer1, self.customer2)
        )
        line1.recipient_ids = [Command.link(self.contact.id)]
        line2.include = False
        toast = wizard.action_apply()["params"]["message"]
        self.assertEqual(toast, "1 customer notice queued for sending.")
        message = self._comments(recall, before)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer1 | self.contact)
        self.assertEqual(self.customer1.name in message.body, True)
        # recorded on customer 1's rows only, with the message
        rows1 = self._rows(recall, self.customer1)
        self.assertEqual(rows1.lot_id, self.lots1)
        self.assertTrue(all(rows1.mapped("notified")))
        self.assertEqual(rows1.notice_message_id, message)
        self.assertTrue(all(rows1.mapped("notified_date")))
        self.assertFalse(any(self._rows(recall, self.customer2).mapped("notified")))
        self.assertEqual(recall.notify_pending_count, 1)
        self.assertEqual(recall.notified_customer_count, 1)
        self.assertEqual(recall.state, "in_progress")
        self.assertTrue(recall.date_notified)
        # the excluded customer is still offered, alone
        wizard = self._notify_wizard(recall)
        self.assertEqual(wizard.line_ids.partner_id, self.customer2)
        self.assertEqual(wizard.skipped_info, self.customer1.display_name)

    def test_nothing_sent_twice_by_accident(self):
        recall = self._recall()
        stale = self._notify_wizard(recall)
        self._notify_wizard(recall).action_apply()
        self.assertEqual(recall.notify_pending_count, 0)
        before = recall.message_ids
        # a second Notify: nothing to send, and it says so
        wizard = self._notify_wizard(recall)
        self.assertFalse(wizard.line_ids)
        self.assertIn(self.customer1.display_name, wizard.skipped_info)
        self.assertIn(self.customer2.display_name, wizard.skipped_info)
        with self.assertRaisesRegex(UserError, "Nothing was sent"):
            wizard.action_apply()
        # a wizard opened before the first send (another tab) sends nothing
        with self.assertRaisesRegex(UserError, "already received this notice"):
            stale.action_apply()
        self.assertFalse(recall.message_ids - before)
        # nor does a new trace make the customers look unnotified
        recall.action_trace()
        self.assertEqual(recall.notify_pending_count, 0)
        self.assertEqual(recall.notified_customer_count, 2)
        self.assertTrue(
            all(
                recall.shipment_ids.filtered("partner_id")
                .filtered(lambda s: s.partner_id != self.customer3)
                .mapped("notice_message_id")
            )
        )

    def test_notify_again_only_when_chosen(self):
        recall = self._recall()
        before = recall.message_ids
        self._notify_wizard(recall).action_apply()
        first = self._comments(recall, before)
        self.assertEqual(len(first), 2)
        wizard = self._notify_wizard(recall, follow_up=True)
        self.assertEqual(wizard.mode, "again")
        self.assertEqual(wizard.line_ids.partner_id, self.customer1 | self.customer2)
        self.assertTrue(all(wizard.line_ids.mapped("notified_date")))
        self.assertTrue(
            all("Follow-up" in s for s in wizard.line_ids.mapped("subject"))
        )
        wizard.line_ids.filtered(
            lambda x: x.partner_id == self.customer2
        ).include = False
        wizard.action_apply()
        follow_up = self._comments(recall, before) - first
        self.assertEqual(len(follow_up), 1)
        self.assertEqual(follow_up.partner_ids, self.customer1)
        self.assertTrue(follow_up.subject.startswith("Follow-up"))
        self.assertEqual(
            self._rows(recall, self.customer1).notice_message_id, follow_up
        )
        self.assertEqual(
            self._rows(recall, self.customer2).notice_message_id,
            first.filtered(lambda m: m.partner_ids == self.customer2),
        )
        # before any notice, there is nobody to follow up
        fresh = self._recall()
        with self.assertRaisesRegex(UserError, "Nothing was sent"):
            self._notify_wizard(fresh, follow_up=True).action_apply()

    def test_missing_email_lists_every_customer_and_sends_nothing(self):
        self.customer1.email = False
        self.customer2.email = False
        recall = self._recall()
        before = recall.message_ids
        wizard = self._notify_wizard(recall)
        # no savepoint around the call: what it leaves behind is checked
        try:
            wizard.action_apply()
        except UserError as error:
            message = str(error)
        else:
            self.fail("notices to partners without email must be refused")
        self.assertIn("nothing was sent", message)
        self.assertIn("RN Customer 1: RN Customer 1 has no email", message)
        self.assertIn("RN Customer 2: RN Customer 2 has no email", message)
        self.assertFalse(recall.message_ids - before)
        self.assertFalse(any(recall.shipment_ids.mapped("notified")))
        self.assertEqual(recall.state, "traced")
        # a contact with an email fixes it
        wizard.line_ids.filtered(
            lambda x: x.partner_id == self.customer1
        ).recipient_ids = [Command.set(self.contact.ids)]
        wizard.line_ids.filtered(
            lambda x: x.partner_id == self.customer2
        ).include = False
        wizard.action_apply()
        self.assertEqual(self._comments(recall, before).partner_ids, self.contact)

    def test_mock_recall_simulates(self):
        recall = self._recall(is_mock=True)
        before = recall.message_ids
        wizard = self._notify_wizard(recall)
        self.assertTrue(wizard.is_mock)
        self.assertEqual(len(wizard.line_ids), 2)
        wizard.action_apply()
        new = recall.message_ids - before
        self.assertFalse(new.filtered(lambda m: m.message_type == "comment"))
        self.assertFalse(new.partner_ids)
        self.assertEqual(len(new), 1)
        self.assertIn("Drill: notices simulated", new.body)
        self.assertIn("It would notify 2 customers", new.body)
        self.assertIn(self.customer1.name, new.body)
        self.assertFalse(any(recall.shipment_ids.mapped("notified")))
        self.assertEqual(recall.state, "traced")

    def test_mock_recall_of_one_customer_in_the_singular(self):
        recall = self._recall(is_mock=True)
        before = recall.message_ids
        wizard = self._notify_wizard(recall)
        wizard.line_ids.filtered(
            lambda x: x.partner_id == self.customer2
        ).include = False
        toast = wizard.action_apply()["params"]["message"]
        self.assertEqual(toast, "Drill: 1 notice simulated, no mail sent.")
        self.assertIn("It would notify 1 customer:", (recall.message_ids - before).body)

    def test_manager_only(self):
        recall = self._recall()
        as_user = recall.with_user(self.stock_user)
        with self.assertRaises(AccessError):
            as_user.action_notify()
        with self.assertRaises(AccessError):
            as_user.action_notify_again()
        with self.assertRaises(AccessError):
            self.env["stock.recall.notify"].with_user(self.stock_user).create(
                {"recall_id": recall.id}
            )
        # the sending itself checks the group, whatever calls it
        with self.assertRaises(AccessError):
            as_user._notify_customers({self.customer1: self.customer1})
        self.assertFalse(any(recall.shipment_ids.mapped("notified")))

    def _attachment(self, action):
        return self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )

    def test_customer_list_export(self):
        self.env.user.tz = "Europe/Brussels"
        self.recall_manager.tz = "Europe/Brussels"
        recall = self._recall()
        action = recall.action_export_customers_csv()
        attachment = self._attachment(action)
        rows = list(csv.reader(io.StringIO(attachment.raw.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        self.assertEqual(
            header,
            [
                "Customer",
                "Contact",
                "Email",
                "Phone",
                "Address",
                "Product",
                "Lot/Serial",
                "Quantity",
                "Unit",
                "Notified on (Europe/Brussels)",
                "Notice",
            ],
        )
        by_lot = {row[6]: row for row in body}
        expected = {lot.name: self.customer1 for lot in self.lots1}
        expected.update({lot.name: self.customer2 for lot in self.lots2})
        expected[self.finished[6].name] = False
        self.assertEqual(set(by_lot), set(expected))
        for lot_name, partner in expected.items():
            row = by_lot[lot_name]
            self.assertEqual(
                row[0], partner.display_name if partner else "Anonymous retail customer"
            )
            self.assertEqual(row[2], partner.email if partner else "")
            self.assertEqual((row[7], row[8]), ("1.0", "Units"))
            self.assertEqual(row[9:], ["", ""])
        # notify, export again: same attachment, the date in the user's zone
        self._notify_wizard(recall).action_apply()
        again = self._attachment(recall.action_export_customers_csv())
        self.assertEqual(again, attachment)
        body = list(csv.reader(io.StringIO(again.raw.decode("utf-8-sig"))))[1:]
        notified = recall.shipment_ids.filtered(
            lambda s: s.partner_id == self.customer1
        )[:1].notified_date
        local = pytz.utc.localize(notified).astimezone(pytz.timezone("Europe/Brussels"))
        dates = {row[6]: row[9] for row in body}
        self.assertEqual(dates[self.lots1[0].name], local.strftime("%Y-%m-%d %H:%M"))
        self.assertEqual(dates[self.finished[6].name], "")
        # a date says a notice was sent, not that it arrived: still queued
        notices = {row[6]: row[10] for row in body}
        self.assertEqual(notices[self.lots1[0].name], "Queued")
        self.assertEqual(notices[self.finished[6].name], "")
        # XLSX: real dates, one attachment per format
        xlsx = self._attachment(recall.action_export_customers_xlsx())
        self.assertNotEqual(xlsx, attachment)
        self.assertEqual(self._attachment(recall.action_export_customers_xlsx()), xlsx)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "stock.recall"), ("res_id", "=", recall.id)]
            ),
            2,
        )
        from openpyxl import load_workbook  # noqa: PLC0415

        sheet = load_workbook(io.BytesIO(xlsx.raw)).active
        self.assertEqual(sheet.max_row, len(expected) + 1)
        self.assertEqual(sheet.cell(1, 10).value, "Notified on (Europe/Brussels)")
        cells = {sheet.cell(r, 7).value: sheet.cell(r, 10).value for r in range(2, 7)}
        self.assertIsInstance(cells[self.lots1[0].name], datetime.datetime)
        self.assertEqual(
            cells[self.lots1[0].name].strftime("%Y-%m-%d %H:%M"),
            local.strftime("%Y-%m-%d %H:%M"),
        )
        # readers of the recall may export it
        as_user = recall.with_user(self.stock_user)
        self.assertTrue(self._attachment(as_user.action_export_customers_csv()).raw)

    def _load_migration(self, version, step="post"):
        from odoo.modules.module import load_script  # noqa: PLC0415

        return load_script(
            f"stock_lot_traceability/migrations/{version}/{step}-migrate.py",
            f"slt_{step}_migrate_{version.replace('.', '_')}",
        )

    def _as_stored_before_1_3(self, recall):
        """Put the recall's events and shipments back in the tables of the
        releases before 19.0.1.3.0 (rows stored per trace, no notice
        linked: as 19.0.1.1.0 left them) and clear what replaced them."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            CREATE TABLE slt_old_shipment AS
            SELECT id, recall_id, move_line_id, kind, partner_id, date, lot_id,
                   quantity, product_qty, notified,
                   NULL::timestamp AS notified_date,
                   NULL::int4 AS notification_message_id
              FROM stock_recall_shipment;
            CREATE TABLE slt_old_event AS SELECT * FROM stock_recall_event;
            DROP VIEW stock_recall_shipment;
            DROP VIEW stock_recall_event;
            ALTER TABLE slt_old_shipment RENAME TO stock_recall_shipment;
            ALTER TABLE slt_old_event RENAME TO stock_recall_event;
            DELETE FROM stock_recall_notice;
            UPDATE stock_recall_lot
               SET traced_line_ids = '{}', event_count = NULL,
                   qty_customer_shipped = NULL
             WHERE recall_id = %s
            """,
            [recall.id],
        )
        self.env.invalidate_all()

    def test_migrations_keep_old_notices(self):
        """19.0.1.2.0 links the rows notified by the old code to their
        notice; 19.0.1.3.0 turns the stored events and shipments into views
        over the traced lines and keeps every notice."""
        recall = self._recall()
        self._notify_wizard(recall).action_apply()
        expected = {
            (row.move_line_id.id, row.kind): (
                row.notice_message_id.id,
                row.notified_date,
            )
            for row in recall.shipment_ids
            if row.notified
        }
        self.assertEqual(len(expected), 4)
        events = sorted(recall.event_ids.mapped(lambda e: (e.id, e.event_type)))
        summary = recall.read(
            ["event_count", "shipment_count", "customer_count", "qty_shipped_display"]
        )
        recall.date_notified = recall.date_notified.replace(year=2020)
        self._as_stored_before_1_3(recall)
        self._load_migration("19.0.1.3.0", "pre").migrate(self.env.cr, "19.0.1.1.0")
        self._load_migration("19.0.1.2.0").migrate(self.env.cr, "19.0.1.1.0")
        self._load_migration("19.0.1.3.0").migrate(self.env.cr, "19.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(
            sorted(recall.event_ids.mapped(lambda e: (e.id, e.event_type))), events
        )
        self.assertEqual(recall.read(list(summary[0])), summary)
        notified = recall.shipment_ids.filtered("notified")
        self.assertEqual(len(notified), len(expected))
        for row in notified:
            message_id, date = expected[row.move_line_id.id, row.kind]
            self.assertEqual(row.notice_message_id.id, message_id)
            self.assertEqual(row.notice_message_id.date, row.notified_date)
            self.assertLessEqual(abs((row.notified_date - date).total_seconds()), 1)
        self.assertFalse(
            recall.shipment_ids.filtered(
                lambda s: not s.notified and s.notice_message_id
            )
        )

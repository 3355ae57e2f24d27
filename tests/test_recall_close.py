# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a recall records of its own course: the closing note and the share
recovered at closing, the time of a drill (at the end of its trace), and
the date it was traced (quarantine refreshes the results, not the date)."""

import datetime

from odoo.exceptions import UserError
from odoo.tests import Form, freeze_time
from odoo.tools import SQL

from .common_recall import RecallCase

T0 = datetime.datetime(2026, 3, 2, 8, 0, 0)


class TestRecallClose(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RC", serials=4)
        cls.customers = cls.chain["customers"]
        for index, customer in enumerate(cls.customers, start=1):
            customer.email = f"customer{index}@rc.example.com"

    def _recall(self, **vals):
        recall = self._new_recall(self.raw_lot, **vals).with_user(self.recall_manager)
        recall.action_trace()
        return recall

    def _close_form(self, recall):
        action = recall.action_close()
        self.assertEqual(action["res_model"], "stock.recall.close")
        self.assertEqual(action["target"], "new")
        return Form(
            self.env[action["res_model"]]
            .with_user(self.recall_manager)
            .browse(action["res_id"])
        )

    def test_close_asks_a_note_and_records_the_recovered_share(self):
        recall = self._recall()
        # one of the three serials shipped comes back after the recall started
        self.builder.return_delivery(self.chain["deliveries"][:1])
        recall.invalidate_recordset()
        self.assertEqual(recall.recovered_pct, 33.33)
        form = self._close_form(recall)
        self.assertEqual(form.recovered_pct, 33.33)
        self.assertEqual(form.qty_recovered_display, "1.00 Units RC Finished")
        with self.assertRaisesRegex(AssertionError, "note"):
            form.save()
        self.assertEqual(recall.state, "traced")
        # nor without the wizard, nor with blanks
        with self.assertRaisesRegex(UserError, "closing note"):
            recall._action_close("   ")
        self.assertEqual(recall.state, "traced")
        form.note = "Two serials destroyed at the customers, one returned."
        before = recall.message_ids
        form.save().action_apply()
        self.assertEqual(recall.state, "closed")
        self.assertTrue(recall.date_closed)
        self.assertEqual(
            recall.close_note, "Two serials destroyed at the customers, one returned."
        )
        self.assertEqual(recall.close_recovered_pct, 33.33)
        self.assertEqual(recall.close_recovered_display, "1.00 Units RC Finished")
        posted = (recall.message_ids - before).filtered(
            lambda m: "destroyed" in str(m.body)
        )
        self.assertEqual(len(posted), 1)
        self.assertIn("33.33", str(posted.body))
        # the share recorded at closing stays what it was
        self.builder.return_delivery(self.chain["deliveries"][1:2])
        recall.invalidate_recordset()
        self.assertEqual(recall.recovered_pct, 66.67)
        self.assertEqual(recall.close_recovered_pct, 33.33)
        with self.assertRaisesRegex(UserError, "already closed"):
            recall.action_close()

    def test_draft_recall_cannot_close(self):
        recall = self._new_recall(self.raw_lot).with_user(self.recall_manager)
        with self.assertRaisesRegex(UserError, "Trace the recall first"):
            recall.action_close()
        with self.assertRaisesRegex(UserError, "Trace the recall first"):
            recall._action_close("No stock ever left.")

    def test_drill_timed_at_the_end_of_its_trace(self):
        drill = self._new_recall(self.raw_lot, is_mock=True).with_user(
            self.recall_manager
        )
        # created at T0 (the database's clock, which freeze_time leaves alone)
        drill.flush_recordset()
        self.env.cr.execute(
            SQL("UPDATE stock_recall SET create_date = %s WHERE id = %s", T0, drill.id)
        )
        drill.invalidate_recordset(["create_date"])
        with freeze_time(T0 + datetime.timedelta(seconds=95)):
            drill.action_trace()
        self.assertEqual(drill.date_drill_done, T0 + datetime.timedelta(seconds=95))
        self.assertEqual(drill.drill_elapsed, 95.0)
        self.assertEqual(drill.drill_accounted_pct, drill.balance_pct)
        self.assertEqual(drill.drill_accounted_pct, 100.0)
        # printing and exporting later change nothing, nor tracing again
        with freeze_time(T0 + datetime.timedelta(hours=2)):
            drill.action_print()
            drill.action_export_xlsx()
            drill.action_trace()
        self.assertEqual(drill.drill_elapsed, 95.0)
        self.assertEqual(drill.date_drill_done, T0 + datetime.timedelta(seconds=95))
        # a real recall is no drill
        recall = self._recall()
        self.assertFalse(recall.date_drill_done)

    def test_quarantine_after_notices_keeps_the_trace_date(self):
        with freeze_time(T0):
            recall = self._recall()
        traced = recall.date_traced
        self.assertEqual(traced, T0)
        with freeze_time(T0 + datetime.timedelta(hours=1)):
            self._notify_wizard(recall).action_apply()
        with freeze_time(T0 + datetime.timedelta(hours=2)):
            recall.action_quarantine()
        self.assertEqual(recall.date_traced, traced)
        self.assertEqual(recall.date_quarantine, T0 + datetime.timedelta(hours=2))
        self.assertGreater(recall.date_notified, recall.date_traced)
        # the results were refreshed all the same: the stock is in quarantine
        on_hand = recall.on_hand_stock_ids
        self.assertTrue(on_hand)
        self.assertTrue(all(on_hand.mapped("is_quarantine")))
        # tracing again is a new trace, with its date
        with freeze_time(T0 + datetime.timedelta(hours=3)):
            recall.action_trace()
        self.assertEqual(recall.date_traced, T0 + datetime.timedelta(hours=3))

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Background jobs: queueing above the thresholds, the cron that
runs them, progress through the separate cursor, cancel, failure, a job
left running by a dead worker, rights.

The separate cursor of the job is a test cursor on the test's transaction
(registry test mode); the real transactions (a server, the websocket, a
killed worker) are checked by ``make jobs-check`` (dev/tools/jobs_check.py).
"""

import json

from odoo.exceptions import AccessError, UserError

from odoo.addons.mail.tests.common import mail_new_test_user

from .common_assign import AssignCase
from .common_recall import RecallCase

BUS_TYPE = "stock_traceability_job/progress"


class JobCaseMixin:
    def setUp(self):
        super().setUp()
        self.registry_enter_test_mode()
        self.Job = self.env["stock.traceability.job"]
        self.cron = self.env.ref("stock_lot_traceability.ir_cron_traceability_job")

    def _process(self):
        self.env.flush_all()
        self.Job._cron_process_jobs()
        self.env.invalidate_all()

    def _bus_payloads(self, partner, job=None, notification_type=BUS_TYPE):
        """Payloads sent to the partner's channel, oldest first."""
        self.env.flush_all()
        messages = (
            self.env["bus.bus"]
            .sudo()
            .search(
                [
                    (
                        "channel",
                        "=",
                        json.dumps(
                            [self.env.cr.dbname, "res.partner", partner.id],
                            separators=(",", ":"),
                        ),
                    )
                ],
                order="id",
            )
        )
        payloads = []
        for message in messages:
            data = json.loads(message.message)
            if data["type"] != notification_type:
                continue
            if job and data["payload"].get("job_id", job.id) != job.id:
                continue
            payloads.append(data["payload"])
        return payloads


class TestTraceabilityJobAssign(JobCaseMixin, AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_untracked_product("Job Drill", "JOB-DRILL")
        cls._put_stock(cls.product, cls.shelf1, 25)
        cls._put_stock(cls.product, cls.shelf2, 20)
        cls._track(cls.product, "serial")
        cls.company.traceability_job_assign_threshold = 30

    def _queue(self, user=None):
        env = self.env(user=user or self.stock_manager)
        wizard = (
            env["stock.lot.assign"]
            .with_context(active_model="product.product", active_ids=self.product.ids)
            .create({"mode": "serials", "name_prefix": "JOB-", "padding": 3})
        )
        action = wizard.action_apply()
        self.assertEqual(action["res_model"], "stock.traceability.job")
        return self.Job.browse(action["res_id"]), wizard

    def _untracked(self):
        return sum(self._quants(self.product, untracked=True).mapped("quantity"))

    def _lots(self):
        return self.env["stock.lot"].search([("product_id", "=", self.product.id)])

    def test_below_threshold_applies_in_the_request(self):
        self.company.traceability_job_assign_threshold = 45
        wizard = self._wizard(self.product, mode="serials", name_prefix="SYNC-")
        action = wizard.with_user(self.stock_manager).action_apply()
        self.assertEqual(action["res_model"], "stock.lot.assign.run")
        run = self.env["stock.lot.assign.run"].browse(action["res_id"])
        self.assertEqual(run.lot_count, 45)
        self.assertFalse(run.job_id)
        self.assertFalse(self.Job.search([]))
        self.assertEqual(self._untracked(), 0)

    def test_above_threshold_queues_and_triggers_the_cron(self):
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        job, wizard = self._queue()
        self.assertRecordValues(
            job,
            [
                {
                    "state": "queued",
                    "kind": "assign",
                    "res_model": "stock.lot.assign",
                    "res_id": wizard.id,
                    "user_id": self.stock_manager.id,
                    "progress_done": 0,
                    "progress_total": 45,
                }
            ],
        )
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
            - triggers
        )
        self.assertEqual(len(new_triggers), 1)
        # Nothing applied in the request.
        self.assertEqual(self._untracked(), 45)
        self.assertFalse(self._lots())

    def test_rows_are_checked_before_queueing(self):
        self.env["stock.lot"].create({"name": "JOB-007", "product_id": self.product.id})
        with self.assertRaisesRegex(UserError, "JOB-007"):
            self._queue()
        self.assertFalse(self.Job.search([]))

    def test_cron_applies_the_run_with_progress(self):
        job, _wizard = self._queue()
        self._process()
        self.assertEqual(job.state, "done")
        self.assertEqual((job.progress_done, job.progress_total), (45, 45))
        self.assertTrue(job.date_started and job.date_ended)
        self.assertEqual(job.attempt, 1)
        run = job.assign_run_id
        self.assertTrue(run)
        self.assertEqual(run.job_id, job)
        self.assertEqual(run.user_id, self.stock_manager)
        self.assertEqual(run.lot_count, 45)
        self.assertEqual(len(self._lots()), 45)
        self.assertEqual(self._untracked(), 0)
        tracked = self._quants(self.product).filtered("lot_id")
        self.assertEqual(len(tracked), 45)
        self.assertEqual(set(tracked.mapped("quantity")), {1.0})
        # Progress pushed on the user's partner channel: queued -> running,
        # increasing counts (batches of 10), then done.
        payloads = self._bus_payloads(self.stock_manager.partner_id, job)
        states = [payload["state"] for payload in payloads]
        self.assertEqual(states[0], "running")
        self.assertEqual(states[-1], "done")
        counts = [
            payload["done"] for payload in payloads if payload["state"] == "running"
        ]
        self.assertEqual(counts, [0, 10, 20, 30, 40, 45])
        self.assertTrue(all(payload["total"] == 45 for payload in payloads))
        running = [
            payload
            for payload in payloads
            if payload["done"] and payload["state"] == "running"
        ]
        self.assertTrue(
            all(payload["remaining_seconds"] is not False for payload in running)
        )
        notices = self._bus_payloads(
            self.stock_manager.partner_id, notification_type="simple_notification"
        )
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices[0]["type"], "success")
        self.assertIn(job.name, notices[0]["message"])

    def test_cancel_requested_during_the_run_applies_nothing(self):
        job, _wizard = self._queue()
        # The request arrives while it runs: seen after its first batch,
        # which was already applied in the run's transaction.
        job.sudo().cancel_requested = True
        self._process()
        self.assertEqual(job.state, "cancelled")
        self.assertFalse(
            self.env["stock.lot.assign.run"].search([("job_id", "=", job.id)])
        )
        self.assertFalse(self._lots())
        self.assertEqual(self._untracked(), 45)
        self.assertFalse(self._quants(self.product).filtered("lot_id"))
        notices = self._bus_payloads(
            self.stock_manager.partner_id, notification_type="simple_notification"
        )
        self.assertIn("cancelled", notices[-1]["message"])

    def test_cancel_a_queued_job(self):
        job, _wizard = self._queue()
        job.with_user(self.stock_manager).action_cancel()
        self.assertEqual(job.state, "cancelled")
        self._process()
        self.assertEqual(job.state, "cancelled")
        self.assertFalse(self._lots())
        self.assertEqual(self._untracked(), 45)

    def test_failure_applies_nothing_and_says_why(self):
        job, _wizard = self._queue()
        # A serial of the run created after the job was queued.
        self.env["stock.lot"].create({"name": "JOB-044", "product_id": self.product.id})
        self._process()
        self.assertEqual(job.state, "failed")
        self.assertIn("JOB-044", job.error)
        self.assertFalse(job.assign_run_id)
        self.assertEqual(self._lots().mapped("name"), ["JOB-044"])
        self.assertEqual(self._untracked(), 45)
        notices = self._bus_payloads(
            self.stock_manager.partner_id, notification_type="simple_notification"
        )
        self.assertEqual(notices[-1]["type"], "danger")
        self.assertIn("JOB-044", notices[-1]["message"])

    def test_vanished_wizard_fails_cleanly(self):
        job, wizard = self._queue()
        wizard.sudo().unlink()
        self._process()
        self.assertEqual(job.state, "failed")
        self.assertIn("no longer exists", job.error)
        self.assertEqual(self._untracked(), 45)

    def test_job_of_a_dead_worker_is_queued_again_then_done_once(self):
        job, _wizard = self._queue()
        # What a killed worker leaves: running, nothing committed, no lock.
        job.sudo().write({"state": "running", "attempt": 1, "progress_done": 20})
        self._process()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.attempt, 2)
        self.assertEqual(
            self.env["stock.lot.assign.run"].search_count([("job_id", "=", job.id)]), 1
        )
        self.assertEqual(len(self._lots()), 45)
        self.assertEqual(self._untracked(), 0)

    def test_job_of_a_dead_worker_after_its_commit_is_done(self):
        job, _wizard = self._queue()
        self._process()
        run = job.assign_run_id
        # Killed after the commit of the run, before the job was marked done.
        job.sudo().write({"state": "running", "date_ended": False})
        self._process()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.assign_run_id, run)
        self.assertEqual(len(self._lots()), 45)

    def test_job_killed_too_often_fails(self):
        job, _wizard = self._queue()
        job.sudo().write({"state": "running", "attempt": 3})
        self._process()
        self.assertEqual(job.state, "failed")
        self.assertIn("stopped during the run 3 times", job.error)
        self.assertFalse(self._lots())
        self.assertEqual(self._untracked(), 45)

    def test_rights(self):
        job, _wizard = self._queue()
        # Stock users cannot assign (the wizard is a manager's), nor queue,
        # see or cancel another user's job.
        with self.assertRaises(AccessError):
            self._queue(user=self.stock_user)
        with self.assertRaises(AccessError):
            self.Job.with_user(self.stock_user).create(
                {"name": "x", "kind": "assign", "res_model": "stock.lot.assign"}
            )
        self.assertFalse(self.Job.with_user(self.stock_user).search([]))
        with self.assertRaises(AccessError):
            job.with_user(self.stock_user).action_cancel()
        with self.assertRaises(AccessError):
            job.with_user(self.stock_manager).write({"state": "done"})
        # Another manager may cancel it.
        other_manager = mail_new_test_user(
            self.env, login="slt_job_manager2", groups="stock.group_stock_manager"
        )
        job.with_user(other_manager).action_cancel()
        self.assertEqual(job.state, "cancelled")


class TestTraceabilityJobRecall(JobCaseMixin, RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RJB", serials=3)
        cls.company.traceability_job_trace_threshold = 4

    def test_small_trace_stays_in_the_request(self):
        self.company.traceability_job_trace_threshold = 100
        recall = self._new_recall(self.raw_lot)
        self.assertIs(recall.with_user(self.recall_manager).action_trace(), True)
        self.assertEqual(recall.state, "traced")
        self.assertFalse(recall.trace_job_id)

    def test_big_trace_runs_in_the_background(self):
        recall = self._new_recall(self.raw_lot)
        action = recall.with_user(self.recall_manager).action_trace()
        job = recall.trace_job_id
        self.assertEqual(action["res_id"], job.id)
        self.assertEqual(job.state, "queued")
        self.assertEqual(recall.state, "draft")
        self.assertFalse(recall.affected_lot_ids)
        self._process()
        self.assertEqual(job.state, "done")
        self.assertEqual(recall.state, "traced")
        expected = self.env["stock.lot"].union(*self.chain["lots"])
        self.assertEqual(set(recall.affected_lot_ids.lot_id.ids), set(expected.ids))
        self.assertEqual(
            recall.shipment_ids.partner_id, self.chain["deliveries"].partner_id
        )
        counts = [
            payload["done"]
            for payload in self._bus_payloads(self.recall_manager.partner_id, job)
            if payload["state"] == "running"
        ]
        self.assertEqual(counts, [0, 1, 2])

    def test_cancelled_trace_stores_nothing(self):
        recall = self._new_recall(self.raw_lot)
        recall.with_user(self.recall_manager).action_trace()
        recall.with_user(self.recall_manager).action_cancel_trace_job()
        self.assertEqual(recall.trace_job_state, "cancelled")
        self._process()
        self.assertEqual(recall.state, "draft")
        self.assertFalse(recall.affected_lot_ids)


class TestTraceabilityJobRecallExport(JobCaseMixin, RecallCase):
    """Exports of recalls with more rows than the company's threshold run
    as a ``recall_export`` job; the file is attached to the recall."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RXP", serials=3)
        cls.company.traceability_job_trace_threshold = 0
        cls.recall = cls._new_recall(cls.raw_lot)
        cls.recall.with_user(cls.recall_manager).action_trace()
        cls.company.traceability_job_export_threshold = 5

    def _attachments(self):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "stock.recall"), ("res_id", "=", self.recall.id)]
        )

    def test_small_export_stays_in_the_request(self):
        self.company.traceability_job_export_threshold = 10000
        action = self.recall.with_user(self.recall_manager).action_export_csv()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertFalse(self.recall.export_job_id)
        self.assertEqual(len(self._attachments()), 1)

    def test_big_export_runs_in_the_background(self):
        self.assertGreater(self.recall.event_count + self.recall.shipment_count, 5)
        action = self.recall.with_user(self.recall_manager).action_export_xlsx()
        job = self.recall.export_job_id
        self.assertEqual(action["res_model"], "stock.traceability.job")
        self.assertEqual(action["res_id"], job.id)
        self.assertRecordValues(
            job,
            [
                {
                    "kind": "recall_export",
                    "export_format": "fsma_xlsx",
                    "state": "queued",
                    "res_model": "stock.recall",
                    "res_id": self.recall.id,
                    "user_id": self.recall_manager.id,
                }
            ],
        )
        self.assertFalse(self._attachments())
        self._process()
        self.assertEqual(job.state, "done")
        attachment = self._attachments()
        self.assertEqual(
            attachment.name, f"{self.recall.name.replace('/', '_')}_fsma204.xlsx"
        )
        self.assertTrue(attachment.raw.startswith(b"PK"))  # a zip: the workbook
        message = self.recall.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(message.attachment_ids, attachment)
        self.assertIn(job.name, message.body)
        partner = self.recall_manager.partner_id
        counts = [
            payload["done"]
            for payload in self._bus_payloads(partner, job)
            if payload["state"] == "running"
        ]
        self.assertEqual(counts, [0, 1])
        notices = self._bus_payloads(partner, notification_type="simple_notification")
        self.assertEqual(notices[-1]["type"], "success")

    def test_reader_exports_the_customer_list_in_the_background(self):
        recall = self.recall.with_user(self.stock_user)
        recall.action_export_customers_csv()
        job = self.recall.export_job_id
        self.assertEqual(
            (job.export_format, job.user_id), ("customers_csv", self.stock_user)
        )
        self._process()
        self.assertEqual(job.state, "done")
        # the file the request would have made, of the customers who still
        # hold a recalled serial
        _name, expected, _mimetype = recall._get_export_file("customers", "csv")
        self.assertEqual(self._attachments().raw, expected)
        self.assertIn("RXP Customer 1", expected.decode())

    def test_cancelled_export_attaches_nothing(self):
        recall = self.recall.with_user(self.recall_manager)
        recall.action_export_csv()
        recall.action_cancel_export_job()
        self.assertEqual(recall.export_job_state, "cancelled")
        self._process()
        self.assertFalse(self._attachments())

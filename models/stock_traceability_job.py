# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Background jobs of long traceability runs.

A job is queued by the request that would have done the work and run by the
``ir.cron`` of ``data/ir_cron_data.xml``, woken with ``_trigger()``: any
server node's cron worker may take it, no queue process of our own.

Transactions. The job's work happens in the cron's transaction, in a
savepoint, and is committed once at the end (all or nothing). Everything the
user must see while that transaction is open (running, progress, the
cancel request, failed/cancelled) goes through a separate cursor
(``registry.cursor()``), committed at once. The cron's transaction never
writes the job row: under Odoo's REPEATABLE READ it would fail on the rows
the separate cursor updated since its snapshot. The result carries the job
instead (``stock.lot.assign.run.job_id``), and the job is marked done after
the commit.

Liveness. The cron's transaction holds ``FOR KEY SHARE`` on the row of the
job it runs. That lock does not block the separate cursor's updates, but
``FOR UPDATE SKIP LOCKED`` skips it: a ``running`` row that this query
returns belongs to a dead worker (killed server, lost connection). Such a
job is marked done when its result was committed, re-queued otherwise (at
most ``MAX_ATTEMPTS`` times), so it completes exactly once.
"""

import logging
from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..exceptions import TraceabilityJobCancelled

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BUS_TYPE = "stock_traceability_job/progress"
FINAL_STATES = ("done", "failed", "cancelled")


class StockTraceabilityJob(models.Model):
    _name = "stock.traceability.job"
    _description = "Traceability Background Job"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    kind = fields.Selection(
        [
            ("assign", "Lot/serial assignment"),
            ("recall_trace", "Recall trace"),
            ("recall_export", "Recall export"),
        ],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record", model_field="res_model", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, default=lambda s: s.env.user
    )
    export_format = fields.Selection(
        [
            ("fsma_xlsx", "FSMA 204 (XLSX)"),
            ("fsma_csv", "FSMA 204 (CSV)"),
            ("customers_xlsx", "Customer list (XLSX)"),
            ("customers_csv", "Customer list (CSV)"),
            ("epcis_jsonld", "EPCIS 2.0 (JSON-LD)"),
            ("epcis_xml", "EPCIS 2.0 (XML)"),
        ],
        readonly=True,
        help="The file a recall export job makes.",
    )
    progress_done = fields.Integer(string="Done", readonly=True)
    progress_total = fields.Integer(string="Total", readonly=True)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    remaining_seconds = fields.Integer(
        compute="_compute_progress", string="Expected Remaining (s)"
    )
    date_started = fields.Datetime(string="Started", readonly=True)
    date_ended = fields.Datetime(string="Ended", readonly=True)
    heartbeat = fields.Datetime(readonly=True)
    attempt = fields.Integer(readonly=True, default=0)
    cancel_requested = fields.Boolean(readonly=True)
    error = fields.Text(readonly=True)
    assign_run_id = fields.Many2one(
        "stock.lot.assign.run", compute="_compute_assign_run_id", string="Result"
    )

    @api.depends(
        "state", "progress_done", "progress_total", "date_started", "heartbeat"
    )
    def _compute_progress(self):
        for job in self:
            job.progress = (
                100.0 * job.progress_done / job.progress_total
                if job.progress_total
                else 0.0
            )
            job.remaining_seconds = job._get_remaining_seconds()

    def _compute_assign_run_id(self):
        runs = self.env["stock.lot.assign.run"].search([("job_id", "in", self.ids)])
        by_job = {run.job_id: run for run in runs}
        for job in self:
            job.assign_run_id = by_job.get(job, False)

    def _register_hook(self):
        """On a server (re)start, recover at once the jobs a dead server left
        running, instead of at the cron's next interval."""
        res = super()._register_hook()
        pending = self.env.execute_query(
            SQL(
                "SELECT 1 FROM stock_traceability_job "
                "WHERE state IN ('queued', 'running') LIMIT 1"
            )
        )
        cron = self.env.ref(
            "stock_lot_traceability.ir_cron_traceability_job", raise_if_not_found=False
        )
        if pending and cron:
            cron._trigger()
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_cancel(self):
        """Cancel: a queued job at once; a running one at its next progress
        report, which rolls its work back."""
        self.ensure_one()
        self._check_can_cancel()
        job = self.sudo()
        if job.state == "queued":
            job.write({"state": "cancelled", "date_ended": fields.Datetime.now()})
            job._notify_user()
        elif job.state == "running":
            job.cancel_requested = True
        return True

    def action_open_record(self):
        self.ensure_one()
        if self.assign_run_id:
            return self.assign_run_id._get_action_view()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    def _get_action_view(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "name": self.name,
            "target": "new",
        }

    def _check_can_cancel(self):
        if self.user_id == self.env.user or self.env.user.has_group(
            "stock.group_stock_manager"
        ):
            return
        raise AccessError(
            self.env._(
                "Only %(user)s or a stock manager can cancel this job.",
                user=self.user_id.name,
            )
        )

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    @api.model
    def _enqueue(self, kind, record, name, total=0, export_format=False):
        """Queue a job working on ``record`` and wake the cron workers."""
        job = self.sudo().create(
            {
                "name": name,
                "kind": kind,
                "res_model": record._name,
                "res_id": record.id,
                "company_id": self.env.company.id,
                "user_id": self.env.user.id,
                "progress_total": total,
                "export_format": export_format,
            }
        )
        self.env.ref("stock_lot_traceability.ir_cron_traceability_job")._trigger()
        return job.sudo(False)

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_jobs(self):
        """Run the queued jobs, one transaction each when run by the cron.

        Called outside a cron (shell, tests), every job runs in a savepoint
        of the caller's transaction, which the caller commits."""
        in_cron = bool(self.env.context.get("cron_id"))
        self._recover_stale_jobs()
        while job := self._claim_next_job():
            succeeded = job._execute()
            if in_cron:
                remaining = self.search_count([("state", "=", "queued")])
                time_left = self.env["ir.cron"]._commit_progress(1, remaining=remaining)
            if succeeded:
                job._set_state("done", from_states=("running",))
            if in_cron and not time_left:
                break

    @contextmanager
    def _job_cursor(self):
        """This job in a separate transaction committed on exit: what it
        writes is visible while the run's own transaction is open."""
        with self.env.registry.cursor() as cr:
            yield self.with_env(self.env(cr=cr, su=True))

    def _claim_next_job(self):
        """Lock a queued job for this transaction and mark it running."""
        self.env.flush_all()
        candidates = self.env.execute_query(
            SQL(
                "SELECT id FROM stock_traceability_job WHERE state = 'queued' "
                "ORDER BY id LIMIT 20"
            )
        )
        for (job_id,) in candidates:
            # The lock is kept only if the claim succeeds.
            with self.env.cr.savepoint(flush=False) as savepoint:
                locked = self.env.execute_query(
                    SQL(
                        "SELECT id FROM stock_traceability_job WHERE id = %s "
                        "AND state = 'queued' FOR KEY SHARE SKIP LOCKED",
                        job_id,
                    )
                )
                if not locked or not self.browse(job_id)._claim():
                    savepoint.rollback()
                    continue
            return self.browse(job_id).sudo()
        return self.browse()

    def _claim(self):
        now = fields.Datetime.now()
        try:
            with self._job_cursor() as job:
                claimed = job.env.execute_query(
                    SQL(
                        """
                        UPDATE stock_traceability_job
                           SET state = 'running', date_started = %(now)s,
                               heartbeat = %(now)s, attempt = COALESCE(attempt, 0) + 1,
                               write_date = %(now)s
                         WHERE id = %(id)s AND state = 'queued'
                     RETURNING id
                        """,
                        now=now,
                        id=self.id,
                    )
                )
                if claimed:
                    job._notify_progress()
        except psycopg2.errors.SerializationFailure:
            return False  # another worker claimed it first
        return bool(claimed)

    def _recover_stale_jobs(self):
        """Jobs left running by a dead worker (row lock free): done if their
        result was committed, queued again or failed otherwise."""
        try:
            with self._job_cursor() as jobs:
                stale = jobs.browse(
                    row[0]
                    for row in jobs.env.execute_query(
                        SQL(
                            "SELECT id FROM stock_traceability_job "
                            "WHERE state = 'running' FOR UPDATE SKIP LOCKED"
                        )
                    )
                )
                for job in stale:
                    job._recover()
                    job._notify_progress()
                if stale.filtered(lambda j: j.state == "queued"):
                    # This transaction's snapshot predates the recovery: a
                    # new cron run (a new transaction) takes them.
                    jobs.env.ref(
                        "stock_lot_traceability.ir_cron_traceability_job"
                    )._trigger()
        except psycopg2.errors.SerializationFailure:
            # A job ended while we looked: it was alive; look again next time.
            return

    def _recover(self):
        _logger.warning("Traceability job %s found running without a worker", self.id)
        if self._get_result():
            self.write({"state": "done", "date_ended": fields.Datetime.now()})
        elif self.cancel_requested:
            self.write({"state": "cancelled", "date_ended": fields.Datetime.now()})
        elif self.attempt >= MAX_ATTEMPTS:
            self.write(
                {
                    "state": "failed",
                    "date_ended": fields.Datetime.now(),
                    "error": self.env._(
                        "The server stopped during the run %(count)s times; "
                        "nothing of it was applied.",
                        count=self.attempt,
                    ),
                }
            )
        else:
            self.write({"state": "queued", "progress_done": 0})

    def _get_result(self):
        """The committed result of the job, if any."""
        if self.kind == "assign":
            return self.env["stock.lot.assign.run"].search(
                [("job_id", "=", self.id)], limit=1
            )
        # A recall trace is replaced as a whole by a new trace, an export
        # replaces its attachment: running them again is harmless, so such a
        # stale job is simply queued again.
        return False

    # ------------------------------------------------------------------
    # Running a job
    # ------------------------------------------------------------------

    def _execute(self):
        """Run the work in a savepoint: applied completely or rolled back.
        Return whether it succeeded (to be marked done once committed)."""
        self.ensure_one()
        target = self._get_target()
        try:
            with self.env.cr.savepoint():
                self._get_run_methods()[self.kind](target)
                self.env.flush_all()
        except TraceabilityJobCancelled:
            self._set_state("cancelled")
            return False
        except Exception as exc:  # noqa: BLE001 - any error fails the job, cleanly
            _logger.info("Traceability job %s failed", self.id, exc_info=True)
            message = exc.args[0] if isinstance(exc, UserError) else repr(exc)
            self._set_state("failed", error=message)
            return False
        return True

    def _get_target(self):
        """The record the job works on, as the user who queued it."""
        env = self.env(
            user=self.user_id.id,
            su=False,
            context=dict(self.env.context, allowed_company_ids=[self.company_id.id]),
        )
        return env[self.res_model].browse(self.res_id)

    def _get_run_methods(self):
        """``{kind: method}``: the method that does the work of each kind of
        job, given the job's target record. Extend it (call ``super()``)
        along with the ``kind`` selection to add a kind."""
        return {
            "assign": self._run_assign,
            "recall_trace": self._run_recall_trace,
            "recall_export": self._run_recall_export,
        }

    def _run_assign(self, wizard):
        # Keeps the wizard (a transient record) from the vacuum while it runs.
        found = self.env.execute_query(
            SQL(
                "SELECT id FROM stock_lot_assign WHERE id = %s FOR KEY SHARE",
                wizard.id,
            )
        )
        if not found:
            raise UserError(
                self.env._("The assignment wizard of this job no longer exists.")
            )
        wizard._apply_in_job(self)

    def _run_recall_trace(self, recall):
        recall._run_trace_job(self)

    def _run_recall_export(self, recall):
        recall._run_export_job(self)

    def _report_progress(self, done, total=None):
        """Write the progress through the separate cursor and push it to the
        user; raise :class:`TraceabilityJobCancelled` when a cancel was
        requested, which rolls the run's transaction back."""
        now = fields.Datetime.now()
        with self._job_cursor() as job:
            vals = {"progress_done": done, "heartbeat": now}
            if total is not None:
                vals["progress_total"] = total
            job.write(vals)
            cancel = job.cancel_requested
            job._notify_progress()
        if cancel:
            raise TraceabilityJobCancelled()

    def _set_state(self, state, error=None, from_states=None):
        """Final state through the separate cursor (the run's transaction may
        be rolled back, or already committed)."""
        with self._job_cursor() as job:
            if from_states and job.state not in from_states:
                return
            vals = {"state": state, "date_ended": fields.Datetime.now()}
            if error:
                vals["error"] = error
            if state == "done":
                vals["progress_done"] = job.progress_total
            job.write(vals)
            job._notify_user()

    # ------------------------------------------------------------------
    # Bus notifications (the user's partner channel, subscribed by the
    # web client of every session of the user)
    # ------------------------------------------------------------------

    def _get_progress_payload(self):
        self.ensure_one()
        return {
            "job_id": self.id,
            "name": self.name,
            "state": self.state,
            "done": self.progress_done,
            "total": self.progress_total,
            "remaining_seconds": self._get_remaining_seconds(),
            "error": self.error or False,
        }

    def _get_remaining_seconds(self):
        if self.state != "running" or not self.progress_done or not self.date_started:
            return False
        elapsed = (
            (self.heartbeat or fields.Datetime.now()) - self.date_started
        ).total_seconds()
        rest = self.progress_total - self.progress_done
        return max(round(elapsed / self.progress_done * rest), 0)

    def _notify_progress(self):
        for job in self:
            job.user_id.partner_id._bus_send(BUS_TYPE, job._get_progress_payload())

    def _notify_user(self):
        """Progress plus a notification the user sees on any page."""
        self._notify_progress()
        for job in self.filtered(lambda j: j.state in FINAL_STATES):
            job.user_id.partner_id._bus_send(
                "simple_notification",
                {
                    "title": self.env._("Traceability job"),
                    "message": job._get_final_message(),
                    "type": {"done": "success", "failed": "danger"}.get(
                        job.state, "warning"
                    ),
                    "sticky": job.state != "done",
                },
            )

    def _get_final_message(self):
        if self.state == "done":
            return self.env._("%(name)s is done.", name=self.name)
        if self.state == "failed":
            return self.env._(
                "%(name)s failed, nothing was applied: %(error)s",
                name=self.name,
                error=self.error or "",
            )
        return self.env._(
            "%(name)s was cancelled; nothing was applied.", name=self.name
        )

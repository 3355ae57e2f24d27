# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from . import quantity_format


class StockRecall(models.Model):
    """A product recall: its seed lots, its workflow (draft, traced, in
    progress, closed) and its summary figures. The other concerns extend it
    in their own files: the stored trace (``stock_recall_trace``, its SQL in
    ``recall_trace_sql``), quarantine (``stock_recall_quarantine``),
    customer notices (``stock_recall_notice``), exports
    (``stock_recall_export``) and the genealogy (``stock_recall_genealogy``)."""

    _name = "stock.recall"
    _description = "Product Recall"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # noqa: RUF012
    _order = "id desc"
    _check_company_auto = True

    BALANCE_TOLERANCE = 2.0

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    reason = fields.Text(required=True, tracking=True)
    recall_class = fields.Selection(
        [("1", "Class I"), ("2", "Class II"), ("3", "Class III")],
        string="Class",
        required=True,
        default="2",
        tracking=True,
        help="Class I: reasonable probability of serious harm; Class II: "
        "temporary or reversible harm; Class III: unlikely to cause harm.",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        "stock_recall_seed_lot_rel",
        "recall_id",
        "lot_id",
        string="Seed Lots",
        required=True,
        default=lambda self: self._default_lot_ids(),
        check_company=True,
    )
    direction = fields.Selection(
        [
            ("downstream", "Downstream (where it went)"),
            ("upstream", "Upstream (where it came from)"),
            ("both", "Both directions"),
        ],
        required=True,
        default="both",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("traced", "Traced"),
            ("in_progress", "In Progress"),
            ("closed", "Closed"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
    )
    is_mock = fields.Boolean(
        string="Mock Recall",
        help="A drill: traced and reported like a real recall, but it never "
        "moves stock, blocks lots or sends mail.",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self._default_company_id()
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user
    )
    date_start = fields.Datetime(
        string="Started", default=fields.Datetime.now, readonly=True, copy=False
    )
    date_traced = fields.Datetime(string="Traced On", readonly=True, copy=False)
    trace_job_id = fields.Many2one(
        "stock.traceability.job",
        string="Trace Job",
        readonly=True,
        copy=False,
        help="The background job of the last trace too big for the request.",
    )
    trace_job_state = fields.Selection(
        related="trace_job_id.state", string="Trace Job State"
    )
    hidden_lot_count = fields.Integer(
        string="Lots Outside Your Companies",
        readonly=True,
        copy=False,
        help="Affected lots the trace reached in companies you may not see: "
        "they are not listed; ask a user of those companies to trace them.",
    )
    hidden_shipment_count = fields.Integer(
        string="Shipments Outside Your Companies",
        readonly=True,
        copy=False,
        help="Customer shipments of affected lots made by companies you may not see.",
    )
    date_quarantine = fields.Datetime(
        string="Quarantined On", readonly=True, copy=False
    )
    date_notified = fields.Datetime(
        string="Customers Notified On", readonly=True, copy=False
    )
    date_closed = fields.Datetime(string="Closed On", readonly=True, copy=False)

    affected_lot_ids = fields.One2many("stock.recall.lot", "recall_id", readonly=True)
    shipment_ids = fields.One2many("stock.recall.shipment", "recall_id", readonly=True)
    stock_ids = fields.One2many("stock.recall.stock", "recall_id", readonly=True)
    on_hand_stock_ids = fields.One2many(
        "stock.recall.stock",
        "recall_id",
        string="On Hand and In Transit",
        readonly=True,
        domain=[("kind", "in", ("on_hand", "in_transit", "between_companies"))],
    )
    moved_stock_ids = fields.One2many(
        "stock.recall.stock",
        "recall_id",
        string="Consumed, Scrapped and Returned",
        readonly=True,
        domain=[("kind", "in", ("consumed", "scrapped", "returned"))],
    )
    event_ids = fields.One2many("stock.recall.event", "recall_id", readonly=True)

    drill_elapsed = fields.Float(
        string="Drill Time (s)",
        readonly=True,
        copy=False,
        help="Seconds from the creation of the mock recall to its first report.",
    )
    drill_accounted_pct = fields.Float(
        string="Drill Accounted (%)", readonly=True, copy=False, digits=(16, 2)
    )
    date_drill_done = fields.Datetime(
        string="Drill Reported On", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # defaults
    # ------------------------------------------------------------------

    def _default_lot_ids(self):
        """Seed lots given by the lot form or list (``recall_lot_ids``)."""
        return self.env["stock.lot"].browse(
            self.env.context.get("recall_lot_ids") or []
        )

    def _default_company_id(self):
        return self._default_lot_ids().company_id[:1] or self.env.company

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) in (new, "New", "/"):
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("stock.recall") or new
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        started = self.filtered(
            lambda r: r.state not in ("draft", "traced") and not r.is_mock
        )
        if started:
            raise UserError(
                self.env._(
                    "Recalls in progress or closed cannot be deleted: %(names)s",
                    names=", ".join(started.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    @api.model
    def action_new_from_lots(self, lots):
        """Form of a new recall seeded with ``lots`` (lot form and list)."""
        if not lots:
            raise UserError(self.env._("Select at least one lot to recall."))
        if len(lots.company_id) > 1:
            raise UserError(
                self.env._(
                    "All the lots of a recall must belong to one company; these "
                    "belong to %(companies)s.",
                    companies=", ".join(lots.company_id.mapped("display_name")),
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Recall"),
            "res_model": "stock.recall",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {"recall_lot_ids": lots.ids},
        }

    def action_trace(self):
        """Trace the seed lots and store the results (fixed number of queries)."""
        self._check_recall_manager()
        closed = self.filtered(lambda r: r.state == "closed")
        if closed:
            raise UserError(
                self.env._(
                    "Closed recalls cannot be traced again: %(names)s",
                    names=", ".join(closed.mapped("name")),
                )
            )
        self.env.flush_all()
        queued = self.browse()
        for recall in self:
            rows = recall._get_trace_rows()
            if recall._trace_in_background(rows):
                recall._enqueue_trace(len(rows))
                queued |= recall
            else:
                recall._trace(rows)
        (self - queued)._after_trace()
        if len(queued) == 1 and len(self) == 1:
            return queued.trace_job_id._get_action_view()
        return True

    def action_cancel_trace_job(self):
        self.ensure_one()
        return self.trace_job_id.action_cancel()

    def _after_trace(self):
        self.filtered(lambda r: r.state == "draft").write({"state": "traced"})
        for recall in self:
            recall.message_post(
                body=self.env._(
                    "Traced: %(lots)s affected lots, %(customers)s customers, "
                    "%(shipments)s shipments, %(pct)s %% accounted.",
                    lots=recall.affected_lot_count,
                    customers=recall.customer_count,
                    shipments=recall.shipment_count,
                    pct=recall.balance_pct,
                )
            )

    def _trace_in_background(self, rows):
        """A trace reaching more lots than the company's threshold runs in a
        background job (the graph walk that counts them is one query)."""
        threshold = self.company_id.traceability_job_trace_threshold
        return bool(threshold) and len(rows) > threshold

    def _enqueue_trace(self, lot_count):
        self.ensure_one()
        self.trace_job_id = self.env["stock.traceability.job"]._enqueue(
            "recall_trace",
            self,
            self.env._(
                "Trace of %(recall)s (%(count)s lots)",
                recall=self.name,
                count=lot_count,
            ),
            total=3,
        )

    def _run_trace_job(self, job):
        """The background trace (``stock.traceability.job``), in three steps
        reported as progress: graph walk, stored results, summary."""
        self.ensure_one()
        self._check_recall_manager()
        if self.state == "closed":
            raise UserError(self.env._("Closed recalls cannot be traced again."))
        self.env.flush_all()
        rows = self._get_trace_rows()
        job._report_progress(1, 3)
        self._trace(rows)
        job._report_progress(2, 3)
        self._after_trace()

    def action_quarantine(self):
        """Block every affected lot and move its on-hand stock to quarantine."""
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        lots = self._get_quarantine_lots()
        quants = self._get_quarantine_quants()
        if self.is_mock:
            self.message_post(
                body=self.env._(
                    "Drill: quarantine simulated, nothing moved or blocked. It would "
                    "block %(lots)s lots and move %(quants)s quants (%(qty)s).",
                    lots=len(lots),
                    quants=len(quants),
                    qty=quantity_format.format_quantities(
                        self.env,
                        quantity_format.totals_per_unit(
                            quants, "product_uom_id", "quantity"
                        ),
                    ),
                )
            )
            return True
        destinations = self._get_quarantine_destinations(quants)
        self._unreserve_lots(lots)
        self._move_to_quarantine(quants, destinations)
        self._block_lots(lots)
        self.write({"state": "in_progress", "date_quarantine": fields.Datetime.now()})
        self.message_post(
            body=self.env._(
                "Quarantine: %(lots)s lots blocked, %(quants)s quants moved to "
                "quarantine.",
                lots=len(lots),
                quants=len(quants),
            )
        )
        self._trace()
        return True

    def action_notify(self):
        """Open the notification wizard: preview, then send to the customers
        not notified yet."""
        return self._open_notify_wizard("new")

    def action_notify_again(self):
        """Open the notification wizard for a follow-up to customers already
        notified (its own step, never the default)."""
        return self._open_notify_wizard("again")

    def action_close(self):
        self._check_recall_manager()
        self.write({"state": "closed", "date_closed": fields.Datetime.now()})
        return True

    def action_print(self):
        self.ensure_one()
        self._check_traced()
        self._record_drill()
        return self.env.ref(
            "stock_lot_traceability.action_report_stock_recall"
        ).report_action(self)

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_recall_event_action"
        )
        action["domain"] = [("recall_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # business methods
    # ------------------------------------------------------------------

    def _check_recall_manager(self):
        if not self.env.user.has_group("stock_lot_traceability.group_recall_manager"):
            raise AccessError(
                self.env._("Only recall managers can run this recall action.")
            )

    def _check_traced(self):
        untraced = self.filtered(lambda r: r.state == "draft")
        if untraced:
            raise UserError(
                self.env._(
                    "Trace the recall first: %(names)s",
                    names=", ".join(untraced.mapped("name")),
                )
            )

    def _record_drill(self):
        """On a mock recall, store the time from creation to its first report."""
        if not self.env.user.has_group("stock_lot_traceability.group_recall_manager"):
            return
        drills = self.filtered(lambda r: r.is_mock and not r.date_drill_done)
        now = fields.Datetime.now()
        for drill in drills:
            drill.write(
                {
                    "date_drill_done": now,
                    "drill_elapsed": (now - drill.create_date).total_seconds(),
                    "drill_accounted_pct": drill.balance_pct,
                }
            )

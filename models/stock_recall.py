# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.recall: the recall workbench.

The workflow (draft, traced, quarantined, notified, closed), its figures
(counts, quantities per product and unit, mass balance, recovered), the
stored trace, quarantine, customer notices, the FSMA 204 and customer
exports and the genealogy. The SQL of the trace and of its views and the
genealogy layout are plain code in ``tools/``.
"""

import base64
import datetime
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, float_repr
from odoo.tools.misc import clean_context

from ..tools import (
    epcis,
    genealogy,
    quantity_format,
    recall_trace_sql,
    recall_view_sql,
    spreadsheet,
    trace_engine,
)

FSMA_HEADERS = [
    ("event_type", "Event type"),
    ("event_date", "Event date"),
    ("tlc", "Traceability lot code"),
    ("product", "Product description"),
    ("quantity", "Quantity"),
    ("uom", "Unit of measure"),
    ("event_location", "Event location"),
    ("previous_source", "Previous source location"),
    ("next_recipient", "Next recipient location"),
    ("tlc_source", "Traceability lot code source"),
    ("document_type", "Reference document type"),
    ("document_number", "Reference document number"),
    ("input_lots", "Input traceability lot codes"),
]

EXPORT_SUFFIXES = {"fsma": "fsma204", "customers": "customers", "epcis": "epcis"}

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "jsonld": "application/ld+json",
    "xml": "application/xml",
}

# event types that are FSMA 204 critical tracking events (receiving,
# shipping, transformation, and the retroactive assignment that makes stock
# traceable); the others (internal and quarantine transfers, scrap,
# adjustments) go to their own sheet
FSMA_EVENT_TYPES = (
    "receiving",
    "shipping",
    "subcontract_receiving",
    "subcontract_shipping",
    "customer_return",
    "vendor_return",
    "consumption",
    "production",
    "assignment",
)

# the FSMA 204 event of the add-on's finer event types: a subcontractor is
# another firm, what is sent to it is shipped, what comes back received
FSMA_EVENT_OF = {
    "subcontract_shipping": "shipping",
    "subcontract_receiving": "receiving",
}

# the separator of the lot names in stock.recall.lot.path
PATH_SEPARATOR = " → "


class StockRecall(models.Model):
    """A product recall: its seed lots, its workflow (draft, traced, in
    progress, closed) and its summary figures, the stored trace (its SQL in
    ``tools/recall_trace_sql.py``), quarantine, the customer notices (each
    one recorded in ``stock.recall.notice``), exports and the genealogy."""

    _name = "stock.recall"
    _description = "Product Recall"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # noqa: RUF012
    _order = "id desc"
    _check_company_auto = True

    BALANCE_TOLERANCE = 2.0

    # figures of the affected lots totalled per product, in this order
    # (``_totals_per_product``); a lot has one product, so a total never
    # adds two products
    SUMMARY_FIELDS = (
        "qty_in",
        "qty_accounted",
        "qty_on_hand",
        "qty_unexplained",
        "qty_customer_shipped",
    )
    # products listed in a summary text before "N more products" (the
    # report and the Mass balance tab list them all)
    SUMMARY_PRODUCTS = 10

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
    date_notified = fields.Datetime(string="Notices Sent On", readonly=True, copy=False)
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
        string="Drill Traced On",
        readonly=True,
        copy=False,
        help="When the first trace of the mock recall ended.",
    )
    close_note = fields.Text(
        string="Closing Note",
        readonly=True,
        copy=False,
        help="Why the recall was closed: what was recovered, destroyed or decided.",
    )
    close_recovered_display = fields.Char(
        string="Recovered at Closing",
        readonly=True,
        copy=False,
        help="The quantity recovered when the recall was closed, per unit.",
    )
    close_recovered_pct = fields.Float(
        string="Recovered at Closing (%)", readonly=True, copy=False, digits=(16, 2)
    )

    # what the list of recalls is searched, filtered and grouped by: stored,
    # as grouping needs a column (customers and vendors are written by the
    # trace statement, see recall_trace_sql.insert_partners_query); archived
    # ones included: a discontinued product or a closed customer account
    # is still what a recall is looked up by
    product_ids = fields.Many2many(
        "product.product",
        "stock_recall_product_rel",
        "recall_id",
        "product_id",
        string="Products",
        context={"active_test": False},
        compute="_compute_product_ids",
        store=True,
        help="The products of the seed lots.",
    )
    customer_ids = fields.Many2many(
        "res.partner",
        "stock_recall_customer_rel",
        "recall_id",
        "partner_id",
        string="Customers",
        context={"active_test": False},
        readonly=True,
        copy=False,
        help="Customers who received an affected lot, as of the last trace.",
    )
    vendor_ids = fields.Many2many(
        "res.partner",
        "stock_recall_vendor_rel",
        "recall_id",
        "partner_id",
        string="Vendors",
        context={"active_test": False},
        readonly=True,
        copy=False,
        help="Vendors an affected lot was received from, as of the last trace.",
    )

    affected_lot_count = fields.Integer(compute="_compute_summary")
    # written by the trace (``_trace``): counting the customers of
    # a recall reads every customer row of its trace
    customer_count = fields.Integer(readonly=True, copy=False)
    shipment_count = fields.Integer(readonly=True, copy=False)
    # named customers holding an affected lot when traced: the notice
    # counters of a recall without notices (NULL: traced by an older release)
    holding_customer_count = fields.Integer(readonly=True, copy=False)
    event_count = fields.Integer(compute="_compute_summary")
    qty_on_hand_display = fields.Char(
        string="Quantity on hand",
        compute="_compute_summary",
        help="Per product and unit of measure: quantities of different products "
        "are never added, even in the same unit.",
    )
    qty_shipped_display = fields.Char(
        string="Quantity shipped",
        compute="_compute_summary",
        help="Per product and unit of measure: quantities of different products "
        "are never added, even in the same unit.",
    )
    balance_pct = fields.Float(
        string="Accounted (%)",
        compute="_compute_summary",
        digits=(16, 2),
        help="Accounted for / received or produced, per product; when the lots "
        "are of several products, the product furthest from 100 %.",
    )
    balance_flag_count = fields.Integer(
        string="Lots Out of Balance", compute="_compute_summary"
    )
    qty_unexplained_display = fields.Char(
        string="Unexplained",
        compute="_compute_summary",
        help="Per product and unit of measure.",
    )
    qty_recovered_display = fields.Char(
        string="Recovered",
        compute="_compute_recovered",
        help="Customer returns received since the recall started, of the "
        "quantity shipped, per product and unit of measure.",
    )
    recovered_pct = fields.Float(
        string="Recovered (%)",
        compute="_compute_recovered",
        digits=(16, 2),
        help="Recovered / shipped; when several products were shipped, the "
        "lowest of their percentages.",
    )

    notify_pending_count = fields.Integer(
        string="Customers to Notify",
        compute="_compute_notify_status",
        help="Customers holding an affected lot who were never sent a notice for "
        "it, or whose notice failed or bounced.",
    )
    notified_customer_count = fields.Integer(
        string="Customers Sent a Notice",
        compute="_compute_notify_status",
        help="Customers holding an affected lot who were sent a notice, "
        "whatever became of the email: Notices says how many were delivered.",
    )
    # per customer holding an affected lot, the delivery of their notice (its
    # least delivered email, see stock.recall.shipment.delivery_state)
    notice_delivered_count = fields.Integer(
        string="Delivered",
        compute="_compute_notify_status",
        help="Customers whose notice every recipient's mail server accepted.",
    )
    notice_queued_count = fields.Integer(
        string="Pending",
        compute="_compute_notify_status",
        help="Customers whose notice is still in the mail queue.",
    )
    notice_failed_count = fields.Integer(
        string="Failed",
        compute="_compute_notify_status",
        help="Customers whose notice failed or bounced: Notify offers them again.",
    )
    notice_unknown_count = fields.Integer(
        string="No Delivery Record",
        compute="_compute_notify_status",
        help="Customers whose notice's message was deleted: nothing says whether "
        "it reached them.",
    )
    notice_failure_info = fields.Text(
        string="Failed Notices",
        compute="_compute_notify_status",
        help="Each customer whose notice failed or bounced, with the reason.",
    )

    export_job_id = fields.Many2one(
        "stock.traceability.job",
        string="Export Job",
        readonly=True,
        copy=False,
        help="The background job of the last export too big for the request.",
    )
    export_job_state = fields.Selection(
        related="export_job_id.state", string="Export Job State"
    )

    # ------------------------------------------------------------------
    # compute
    # ------------------------------------------------------------------

    @api.depends("lot_ids.product_id")
    def _compute_product_ids(self):
        for recall in self:
            recall.product_ids = recall.lot_ids.product_id

    @api.depends("affected_lot_ids", "shipment_ids", "event_ids")
    def _compute_summary(self):
        domain = [("recall_id", "in", self.ids)]
        recall_lot = self.env["stock.recall.lot"]
        counts = dict(recall_lot._read_group(domain, ["recall_id"], ["__count"]))
        flagged = dict(
            recall_lot._read_group(
                [*domain, ("balance_flag", "=", True)], ["recall_id"], ["__count"]
            )
        )
        lot_totals = self._totals_per_product(recall_lot, domain, self.SUMMARY_FIELDS)
        events = dict(
            recall_lot._read_group(domain, ["recall_id"], ["event_count:sum"])
        )
        for recall in self:
            products = lot_totals.get(recall.id, {})
            recall.affected_lot_count = counts.get(recall, 0)
            recall.balance_pct = self._worst_pct(
                [self._balance_pct(sums[0], sums[1]) for sums in products.values()]
            )
            recall.balance_flag_count = flagged.get(recall, 0)
            recall.qty_on_hand_display = self._format_totals(products, 2)
            recall.qty_unexplained_display = self._format_totals(products, 3)
            recall.qty_shipped_display = self._format_totals(products, 4)
            recall.event_count = events.get(recall, 0)

    def _compute_recovered(self):
        """Customer returns of recalled lots received since the recall
        started, per product, against the quantity shipped."""
        recovered = self._get_recovered_per_product()
        shipped = self._totals_per_product(
            self.env["stock.recall.lot"],
            [("recall_id", "in", self.ids)],
            ["qty_customer_shipped"],
        )
        for recall in self:
            back = recovered.get(recall.id, {})
            out = {key: sums[0] for key, sums in shipped.get(recall.id, {}).items()}
            recall.qty_recovered_display = (
                quantity_format.format_product_quantities(
                    self.env, back, limit=self.SUMMARY_PRODUCTS
                )
                or "0"
            )
            recall.recovered_pct = min(
                (
                    round(100.0 * back.get(key, 0.0) / qty, 2)
                    for key, qty in out.items()
                    if qty
                ),
                default=0.0,
            )

    @api.depends("shipment_ids.notified", "shipment_ids.delivery_state")
    def _compute_notify_status(self):
        # counted per customer in SQL (_get_customer_status builds a dict
        # per customer and lot: seconds on a recall of thousands of them)
        shipments = self.env["stock.recall.shipment"]
        # without a notice, a customer holding a lot is pending and nothing
        # else: the count the trace stored, without reading the recall back
        holding = self._get_holding_customer_counts()
        counts = shipments._get_customer_counts(
            self - self.browse([recall.id for recall in holding])
        )
        failures = {
            recall_id: [
                (partner_id, shipments._format_delivery_failure(delivery, *why))
                for partner_id, _pending, _notified, delivery, *why in customers
                if delivery in recall_view_sql.NOTICE_RESEND_STATES
            ]
            for recall_id, customers in counts.items()
        }
        # the names of the customers whose notice failed, read at once
        partners = self.env["res.partner"].browse(
            {partner_id for rows in failures.values() for partner_id, _f in rows}
        )
        partners.mapped("display_name")
        for recall in self:
            customers = counts.get(recall.id, [])
            deliveries = [delivery for _p, _n, _o, delivery, *_why in customers]
            recall.notify_pending_count = holding.get(recall) or sum(
                row[1] for row in customers
            )
            recall.notified_customer_count = sum(row[2] for row in customers)
            recall.notice_delivered_count = deliveries.count("sent")
            recall.notice_queued_count = deliveries.count("queued")
            recall.notice_failed_count = sum(
                delivery in recall_view_sql.NOTICE_RESEND_STATES
                for delivery in deliveries
            )
            recall.notice_unknown_count = deliveries.count("unknown")
            recall.notice_failure_info = "\n".join(
                sorted(
                    self.env._(
                        "%(customer)s: %(reason)s",
                        customer=partners.browse(partner_id).display_name,
                        reason=failure,
                    )
                    for partner_id, failure in failures.get(recall.id, [])
                    if failure
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def init(self):
        """The subcontracting locations when the recall was traced
        (``stock.location._get_subcontracting_location_ids``): an integer
        array (no field type of the ORM), written by the trace statement and
        read by the view of events, which classifies the traced lines as the
        trace did (:func:`.trace_engine.event_types_sql`)."""
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS subcontract_location_ids"
                " int4[] NOT NULL DEFAULT '{}'",
                SQL.identifier(self._table),
            )
        )
        # the ids of the recall's events and customer shipments in the
        # order of their lists, written by the trace statement
        # (stock.recall.line.mixin._get_traced_rows); NULL until then
        for column in ("event_row_ids", "shipment_row_ids"):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s int8[]",
                    SQL.identifier(self._table),
                    SQL.identifier(column),
                )
            )

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

    def action_quarantine(self):
        """Block every affected lot and move its on-hand stock to quarantine."""
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        lots = self._get_quarantine_lots()
        quants = self._get_quarantine_quants()
        # what subcontractors hold stays there: said, not moved
        at_subcontractors = self._get_subcontractor_stock_message(
            self._get_subcontractor_quants()
        )
        if self.is_mock:
            message = self.env._(
                "Drill: quarantine simulated, nothing moved or blocked. It would "
                "block %(lots)s lots and move %(quants)s quants (%(qty)s).",
                lots=len(lots),
                quants=len(quants),
                qty=quantity_format.format_product_quantities(
                    self.env,
                    quantity_format.totals_per_product(
                        quants, "product_id", "product_uom_id", "quantity"
                    ),
                ),
            )
            self.message_post(body=" ".join(filter(None, [message, at_subcontractors])))
            return True
        destinations = self._get_quarantine_destinations(quants)
        self._unreserve_lots(lots)
        self._move_to_quarantine(quants, destinations)
        self._block_lots(lots)
        self.write({"state": "in_progress", "date_quarantine": fields.Datetime.now()})
        message = self.env._(
            "Quarantine: %(lots)s lots blocked, %(quants)s quants moved to quarantine.",
            lots=len(lots),
            quants=len(quants),
        )
        self.message_post(body=" ".join(filter(None, [message, at_subcontractors])))
        self._trace(refresh=True)
        return True

    def action_notify(self):
        """Open the Notify wizard: preview, then send notices to the customers
        not notified yet."""
        return self._open_notify_wizard("new")

    def action_notify_again(self):
        """Open the Notify wizard for a follow-up notice to customers already
        notified (its own step, never the default)."""
        return self._open_notify_wizard("again")

    def action_close(self):
        """Open the close dialog: the share recovered, a closing note
        (required) and, when a customer holding an affected lot was not
        reached (notice failed, bounced, queued or never sent), who."""
        self._check_recall_manager()
        self.ensure_one()
        self._check_closable()
        return self.env["stock.recall.close"]._open_for(
            self, self._get_undelivered_notices()
        )

    def action_print(self):
        self.ensure_one()
        self._check_traced()
        return self.env.ref(
            "stock_lot_traceability.action_report_stock_recall"
        ).report_action(self)

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_recall_event_action"
        )
        # one recall only: a movement is an event of every recall that
        # reaches it, so a sum over recalls counts it several times
        action["domain"] = [("recall_id", "=", self.id)]
        action["context"] = {}
        action["display_name"] = self.env._("Events of %(recall)s", recall=self.name)
        return action

    def action_export_xlsx(self):
        self.ensure_one()
        return self._export_action("fsma", "xlsx")

    def action_export_csv(self):
        self.ensure_one()
        return self._export_action("fsma", "csv")

    def action_export_customers_csv(self):
        self.ensure_one()
        return self._export_action("customers", "csv")

    def action_export_customers_xlsx(self):
        self.ensure_one()
        return self._export_action("customers", "xlsx")

    def action_export_epcis(self):
        self.ensure_one()
        return self._export_action("epcis", "jsonld")

    def action_export_epcis_xml(self):
        self.ensure_one()
        return self._export_action("epcis", "xml")

    def action_cancel_export_job(self):
        self.ensure_one()
        return self.export_job_id.action_cancel()

    # ------------------------------------------------------------------
    # business methods
    # ------------------------------------------------------------------

    def _after_trace(self):
        self.filtered(lambda r: r.state == "draft").write({"state": "traced"})
        self._record_drill()
        for recall in self:
            recall.message_post(
                body=self.env._(
                    "Traced. Affected lots: %(lots)s, customers: %(customers)s, "
                    "shipments: %(shipments)s, accounted: %(pct)s %%.",
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

    def _action_close(self, note):
        """Close the recalls with ``note`` (required): stored with the share
        recovered at that moment, and posted to the chatter."""
        self._check_recall_manager()
        self._check_closable()
        note = (note or "").strip()
        if not note:
            raise UserError(
                self.env._(
                    "Write a closing note: why %(names)s can be closed.",
                    names=", ".join(self.mapped("name")),
                )
            )
        now = fields.Datetime.now()
        for recall in self:
            recovered = recall.qty_recovered_display
            pct = recall.recovered_pct
            recall.write(
                {
                    "state": "closed",
                    "date_closed": now,
                    "close_note": note,
                    "close_recovered_display": recovered,
                    "close_recovered_pct": pct,
                }
            )
            recall.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._(
                        "Closed. Recovered: %(recovered)s (%(pct)s %%) of %(shipped)s "
                        "shipped.",
                        recovered=recovered,
                        pct=float_repr(pct, 2),
                        shipped=recall.qty_shipped_display,
                    ),
                    note,
                )
            )
        return True

    def _check_closable(self):
        self._check_traced()
        closed = self.filtered(lambda r: r.state == "closed")
        if closed:
            raise UserError(
                self.env._(
                    "These recalls are already closed: %(names)s",
                    names=", ".join(closed.mapped("name")),
                )
            )

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
        """On a mock recall, store the time from its creation to the end of
        its first trace, and the share accounted for then: the drill
        measures how fast the company knows where the lots went, not when
        someone prints."""
        drills = self.filtered(lambda r: r.is_mock and not r.date_drill_done)
        # to the microsecond, as the creation date: fields.Datetime.now()
        # drops them and made a drill traced within the second negative
        now = datetime.datetime.now()
        for drill in drills:
            drill.write(
                {
                    "date_drill_done": now,
                    "drill_elapsed": max(
                        (now - drill.create_date).total_seconds(), 0.0
                    ),
                    "drill_accounted_pct": drill.balance_pct,
                }
            )

    # ----------------------------------------------------------------------
    # The figures of a traced recall: counts, quantities on hand and shipped
    # per unit of measure, the mass balance and what was recovered.
    # ----------------------------------------------------------------------

    @api.model
    def _totals_per_product(self, model, domain, qty_fields):
        """``{recall_id: {(product, uom): (sum of each of qty_fields)}}``: the
        affected lots (``model``, whose quantities are in the product's
        unit) matching ``domain``, totalled per recall and per product, in
        one grouped query."""
        totals = defaultdict(dict)
        for recall, product, *sums in model._read_group(
            domain,
            ["recall_id", "lot_id.product_id"],
            [f"{fname}:sum" for fname in qty_fields],
        ):
            totals[recall.id][product, product.uom_id] = tuple(sums)
        return totals

    def _format_totals(self, products, index):
        """Text of the ``index``-th total of ``products`` (``{(product, uom):
        sums}``), per product."""
        totals = {key: sums[index] for key, sums in products.items()}
        return (
            quantity_format.format_product_quantities(
                self.env, totals, limit=self.SUMMARY_PRODUCTS
            )
            or "0"
        )

    @api.model
    def _worst_pct(self, percentages):
        """The percentage furthest from 100 (100 when there is none)."""
        return max(percentages, key=lambda pct: abs(pct - 100.0), default=100.0)

    @api.model
    def _balance_pct(self, qty_in, accounted):
        if not qty_in:
            return 100.0 if not accounted else 0.0
        return round(100.0 * accounted / qty_in, 2)

    def _get_recovered_per_product(self):
        """``{recall_id: {(product, uom): qty}}``: customer returns of the
        recalls' lots (not upstream) received since each recall started, in
        the product's unit, in one grouped query."""
        recall_ids = [recall_id for recall_id in self.ids if isinstance(recall_id, int)]
        recovered = defaultdict(dict)
        if not recall_ids:
            return recovered
        self.env["stock.move.line"].flush_model(
            ["lot_id", "state", "date", "location_id", "product_id"]
        )
        products = self.env["product.product"]
        for recall_id, product_id, qty in self.env.execute_query(
            SQL(
                """
                SELECT rl.recall_id, ml.product_id, SUM(ml.quantity_product_uom)
                  FROM stock_recall_lot rl
                  JOIN stock_recall r ON r.id = rl.recall_id
                  JOIN stock_move_line ml
                    ON ml.lot_id = rl.lot_id AND ml.state = 'done'
                   AND ml.date >= r.date_start
                   AND ml.company_id = r.company_id
                  JOIN stock_location src ON src.id = ml.location_id
                 WHERE rl.recall_id = ANY(%s) AND rl.direction != 'upstream'
                   AND src.usage = 'customer'
                 GROUP BY rl.recall_id, ml.product_id
                """,
                recall_ids,
            )
        ):
            product = products.browse(product_id)
            recovered[recall_id][product, product.uom_id] = qty
        return recovered

    def _get_product_summary(self):
        """The recall's figures per product, for the report: a list, by
        product name, of dicts with ``product``, ``uom``, the sums of
        :data:`SUMMARY_FIELDS`, ``qty_recovered`` and ``balance_pct``."""
        self.ensure_one()
        totals = self._totals_per_product(
            self.env["stock.recall.lot"],
            [("recall_id", "=", self.id)],
            self.SUMMARY_FIELDS,
        ).get(self.id, {})
        recovered = self._get_recovered_per_product().get(self.id, {})
        rows = []
        for product, uom, sums in quantity_format.sorted_product_totals(totals):
            row = dict(zip(self.SUMMARY_FIELDS, sums, strict=True))
            row.update(
                product=product,
                uom=uom,
                qty_recovered=recovered.get((product, uom), 0.0),
                balance_pct=self._balance_pct(row["qty_in"], row["qty_accounted"]),
            )
            rows.append(row)
        return rows

    # ----------------------------------------------------------------------
    # The stored trace of a recall: the graph walk of its seed lots
    # (:mod:`.trace_engine`) and the statement that writes the affected lots,
    # events, shipments and stock from it (:mod:`.recall_trace_sql`).
    # ----------------------------------------------------------------------

    def _get_trace_company_ids(self):
        """The recall follows the lots into every company its user may see."""
        self.ensure_one()
        return (self.company_id | self.env.user.company_ids).ids

    def _get_trace_rows(self, company_ids=False):
        """Affected lots as ``(lot_id, depth, direction, path)`` tuples, in
        ``company_ids`` (default: the recall's, ``None``: every company)."""
        self.ensure_one()
        if company_ids is False:
            company_ids = self._get_trace_company_ids()
        found = {}
        for direction in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            if self.direction not in (direction, "both"):
                continue
            rows = self.lot_ids._trace_graph(direction, company_ids)
            for lot_id, depth, path in rows:
                if lot_id in found:
                    continue
                found[lot_id] = (
                    lot_id,
                    depth,
                    direction if depth else "seed",
                    ",".join(map(str, path)),
                )
        return list(found.values())

    def _trace(self, rows=None, refresh=False):
        """Store the trace: the affected lots with their mass balance and
        the ids of their lines, and the stock. ``refresh``: the results are
        brought up to date after the recall's own moves (quarantine), which
        is no new trace: "Traced On" keeps the date the recall was traced.

        Set-based: after the graph walk, one statement writes the affected
        lots and the stock from the done lines of the affected lots, read
        once. Its cost follows the size of the recall, not of the database:
        the lines are read lot by lot through the lot index and their move
        and transfer by primary key (see
        :func:`.trace_engine.done_lines_sql`). The events and the customer
        shipments are views over the lines kept on the affected lots
        (:mod:`.recall_trace_sql`): nothing more is written per line.
        """
        self.ensure_one()
        self.env.flush_all()
        if rows is None:
            rows = self._get_trace_rows()
        params = self._get_trace_params(rows)
        self.env.execute_query(recall_trace_sql.delete_results_query(self.id))
        # The inflated row estimate would also make PostgreSQL compile the
        # statement (JIT), which costs more than the index lookups it runs.
        # SET LOCAL: back to the server's setting at the end of the transaction.
        self.env.execute_query(SQL("SET LOCAL jit = off"))
        [[shipments, customers, holding]] = self.env.execute_query(
            self._trace_query(rows, params)
        )
        self.env.invalidate_all()
        vals = {
            "shipment_count": shipments,
            "customer_count": customers,
            "holding_customer_count": holding,
            **self._get_hidden_counts(rows),
        }
        if not refresh or not self.date_traced:
            vals["date_traced"] = fields.Datetime.now()
        self.write(vals)

    def _store_trace_partners(self):
        """Store the customers and vendors of the traced recalls (the
        commercial partners of their customer rows and of the receipts of
        their affected lots), in a fixed number of statements, from the
        views. A trace writes the same rows in its own statement
        (:func:`.recall_trace_sql.insert_partners_query`), which spares it
        reading the recall back through the views; this serves recalls
        traced before the partners were stored (migration)."""
        recall_ids = self.ids
        customers = SQL.identifier(self._fields["customer_ids"].relation)
        vendors = SQL.identifier(self._fields["vendor_ids"].relation)
        self.env.execute_query(
            SQL("DELETE FROM %s WHERE recall_id = ANY(%s)", customers, recall_ids)
        )
        self.env.execute_query(
            SQL("DELETE FROM %s WHERE recall_id = ANY(%s)", vendors, recall_ids)
        )
        self.env.execute_query(
            SQL(
                """
                INSERT INTO %s (recall_id, partner_id)
                SELECT DISTINCT s.recall_id, s.partner_id
                  FROM stock_recall_shipment s
                 WHERE s.recall_id = ANY(%s) AND s.partner_id IS NOT NULL
                """,
                customers,
                recall_ids,
            )
        )
        self.env.execute_query(
            SQL(
                """
                INSERT INTO %s (recall_id, partner_id)
                SELECT DISTINCT e.recall_id, COALESCE(p.commercial_partner_id, p.id)
                  FROM stock_recall_event e
                  JOIN res_partner p ON p.id = e.partner_id
                 WHERE e.recall_id = ANY(%s) AND e.event_type = 'receiving'
                """,
                vendors,
                recall_ids,
            )
        )
        self.invalidate_recordset(["customer_ids", "vendor_ids"])

    def _get_hidden_counts(self, rows):
        """What the trace reaches outside the user's companies: a recall never
        stops there silently, it counts the lots and shipments it cannot show."""
        companies = self._get_trace_company_ids()
        if (
            not self.env["res.company"]
            .sudo()
            .search_count([("id", "not in", companies)], limit=1)
        ):
            # the user sees every company: nothing can be outside
            return {"hidden_lot_count": 0, "hidden_shipment_count": 0}
        every_row = self._get_trace_rows(company_ids=None)
        shown = {row[0] for row in rows}
        customer_lot_ids = [row[0] for row in every_row if row[2] != "upstream"]
        [[hidden_shipments]] = self.env.execute_query(
            recall_trace_sql.hidden_shipments_query(customer_lot_ids, companies)
        )
        return {
            "hidden_lot_count": sum(row[0] not in shown for row in every_row),
            "hidden_shipment_count": hidden_shipments,
        }

    def _get_trace_params(self, rows):
        """Parameters of the trace statement for the affected ``rows``
        (see :func:`.recall_trace_sql.trace_query`)."""
        self.ensure_one()
        return {
            "recall": self.id,
            "companies": self._get_trace_company_ids(),
            "all_lot_ids": [row[0] for row in rows],
            "directions": [row[2] for row in rows],
            "subcontract_location_ids": self.env[
                "stock.location"
            ]._get_subcontracting_location_ids(),
            "pos": self._has_pos_orders(),
            "digits": self.env["decimal.precision"].precision_get("Product Unit"),
        }

    @api.model
    def _has_pos_orders(self):
        """The point-of-sale tables exist (``point_of_sale`` installed): the
        trace then names the customers of its orders
        (:func:`.recall_trace_sql.named_customers_query`)."""
        return (
            "pos_session_id" in self.env["stock.picking"]._fields
            and "pos.pack.operation.lot" in self.env
        )

    @api.model
    def _trace_query(self, rows, params):
        """The trace statement (:func:`.recall_trace_sql.trace_query`)."""
        return recall_trace_sql.trace_query(rows, params, self.BALANCE_TOLERANCE)

    # ----------------------------------------------------------------------
    # Quarantine of a recall (``action_quarantine``): which lots are
    # blocked, which quants move, and where to.
    # ----------------------------------------------------------------------

    def _get_quarantine_lots(self):
        """The seed lots and every lot made from them. Upstream lots (where
        the seed came from) are shown for the investigation, not blocked."""
        self.ensure_one()
        lines = self.affected_lot_ids
        return lines.filtered(lambda rl: rl.direction != "upstream").lot_id

    def _get_quarantine_quants(self):
        """The on-hand stock of the lots to block that moves to quarantine:
        not what a subcontractor holds (see :meth:`_get_subcontractor_quants`)."""
        self.ensure_one()
        return self.env["stock.quant"].search(
            self._get_lot_stock_domain()
            & Domain(
                "location_id",
                "not in",
                self.env["stock.location"]._get_subcontracting_location_ids(),
            )
        )

    def _get_subcontractor_quants(self):
        """The on-hand stock of the lots to block held at a subcontractor.
        Its subcontracting location is internal in Odoo's books, but the
        stock is in another firm's hands: moving it to our quarantine would
        book a receipt that never happened. It stays there; quarantine
        says how much, so that the subcontractor is asked to hold it."""
        self.ensure_one()
        return self.env["stock.quant"].search(
            self._get_lot_stock_domain()
            & Domain(
                "location_id",
                "in",
                self.env["stock.location"]._get_subcontracting_location_ids(),
            )
        )

    def _get_lot_stock_domain(self):
        return Domain(
            [
                ("lot_id", "in", self._get_quarantine_lots().ids),
                ("location_id.usage", "=", "internal"),
                ("location_id.is_quarantine", "=", False),
                ("quantity", ">", 0),
            ]
        )

    def _get_subcontractor_stock_message(self, quants):
        """What ``quants`` (held at subcontractors) leave out of quarantine,
        per lot and location, with the subcontractors the recall saw the lot
        shipped to; an empty text without such stock."""
        if not quants:
            return ""
        shipped_to = defaultdict(list)
        for lot, partner in self.env["stock.recall.event"]._read_group(
            [
                ("recall_id", "=", self.id),
                ("event_type", "=", "subcontract_shipping"),
                ("lot_id", "in", quants.lot_id.ids),
                ("partner_id", "!=", False),
            ],
            ["lot_id", "partner_id"],
        ):
            shipped_to[lot].append(partner.display_name)
        holdings = defaultdict(float)
        for quant in quants:
            holdings[quant.lot_id, quant.location_id, quant.product_uom_id] += (
                quant.quantity
            )
        texts = []
        for (lot, location, uom), quantity in sorted(
            holdings.items(), key=lambda item: (item[0][0].name, item[0][1].id)
        ):
            text = self.env._(
                "%(quantity)s of lot %(lot)s at %(location)s",
                quantity=quantity_format.format_product_quantity(
                    self.env, quantity, uom, lot.product_id
                ),
                lot=lot.name,
                location=location.display_name,
            )
            if shipped_to[lot]:
                text = self.env._(
                    "%(holding)s (sent to %(partners)s)",
                    holding=text,
                    partners=", ".join(sorted(shipped_to[lot])),
                )
            texts.append(text)
        return self.env._(
            "Held at subcontractors, not quarantined: %(holdings)s. Ask them to "
            "hold it.",
            holdings="; ".join(texts),
        )

    def _get_quarantine_destinations(self, quants):
        """``{quant_id: quarantine location}``; one error lists every gap."""
        fallback = self.env["stock.location"].search(
            [("is_quarantine", "=", True), ("company_id", "in", quants.company_id.ids)]
        )
        fallback_by_company = {}
        for location in fallback:
            fallback_by_company.setdefault(location.company_id.id, location)
        destinations, missing = {}, []
        for quant in quants:
            destination = (
                quant.warehouse_id.quarantine_location_id
                or fallback_by_company.get(quant.company_id.id)
            )
            if destination:
                destinations[quant.id] = destination
            else:
                missing.append(quant.location_id.display_name)
        if missing:
            raise UserError(
                self.env._(
                    "No quarantine location for: %(locations)s. Set one on the "
                    "warehouse or mark a location as quarantine.",
                    locations=", ".join(sorted(set(missing))),
                )
            )
        return destinations

    def _move_to_quarantine(self, quants, destinations):
        """Move each quant to its quarantine location (one move per quant)."""
        # default_* keys of the form (e.g. the seed lots) must not leak
        # into the stock moves
        quants = quants.with_context(clean_context(self.env.context))
        for destination in set(destinations.values()):
            moving = quants.filtered(lambda q, d=destination: destinations[q.id] == d)
            moving.move_quants(location_dest_id=destination, message=self.name)

    def _unreserve_lots(self, lots):
        """Free reservations on the lots, so their stock can move to quarantine."""
        reserved = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "not in", ("done", "cancel")),
                ("location_id.usage", "=", "internal"),
            ]
        )
        reserved.move_id._do_unreserve()

    def _block_lots(self, lots):
        reason = self.env._(
            "Recall %(name)s: %(reason)s", name=self.name, reason=self.reason
        )
        lots._action_block(reason)

    # ----------------------------------------------------------------------
    # Customer notices of a recall: who is to be notified, the rendered
    # notice, and sending it (the ``stock.recall.notify`` wizard previews and
    # calls :meth:`_notify_customers`).
    # ----------------------------------------------------------------------

    def _get_holding_customer_counts(self):
        """``{recall: named customers holding a lot}`` of the recalls whose
        trace stored that count and which have no notice yet."""
        ids = [id_ for id_ in self._ids if isinstance(id_, int)]
        if not ids:
            return {}
        self.flush_recordset(["holding_customer_count"])
        self.env["stock.recall.notice"].flush_model(["recall_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT r.id, r.holding_customer_count
                  FROM stock_recall r
                 WHERE r.id = ANY(%s) AND r.holding_customer_count IS NOT NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM stock_recall_notice n
                        WHERE n.recall_id = r.id)
                """,
                ids,
            )
        )
        return {self.browse(recall_id): count for recall_id, count in rows}

    def _get_undelivered_notices(self):
        """``{recall: {category: customers}}`` of the recalls (not drills)
        whose customers holding an affected lot were not all reached: per
        customer the first that applies of ``failed`` (their notice failed
        or bounced), ``not_notified`` (never notified of a lot they hold),
        ``queued`` (still in the mail queue) and ``unknown`` (no delivery
        record)."""
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        undelivered = {}
        for recall in self.filtered(lambda r: not r.is_mock):
            categories = defaultdict(lambda: self.env["res.partner"])
            for partner, customer in status.get(recall, {}).items():
                if not partner:
                    continue
                if customer["delivery"] in recall_view_sql.NOTICE_RESEND_STATES:
                    categories["failed"] |= partner
                elif customer["pending"]:
                    categories["not_notified"] |= partner
                elif customer["delivery"] in ("queued", "unknown"):
                    categories[customer["delivery"]] |= partner
            if categories:
                undelivered[recall] = dict(categories)
        return undelivered

    def _open_notify_wizard(self, mode):
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        return self.env["stock.recall.notify"]._open_for(self, mode)

    def _get_notices(self, follow_up=False):
        """``{customer: shipment rows}`` of the notices to send: to customers
        never notified for a lot they hold or whose notice failed or bounced,
        or (``follow_up``) to those already notified. Rows cover the lots the
        customer still holds."""
        self.ensure_one()
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        flag = "notified" if follow_up else "pending"
        return {
            partner: self.shipment_ids._get_notice_rows(partner, customer["lots"])
            for partner, customer in status.get(self, {}).items()
            if partner and customer[flag]
        }

    def _get_anonymous_holdings(self):
        """``{(lot, product): qty}`` held by anonymous retail customers (point
        of sale): nobody to notify."""
        self.ensure_one()
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        anonymous = self.env["res.partner"]
        return status.get(self, {}).get(anonymous, {}).get("lots", {})

    def _render_notice(self, partner, rows, follow_up=False):
        """``(subject, body)`` of the notice to ``partner`` listing ``rows``,
        rendered from the recall notice template."""
        self.ensure_one()
        template = self.env.ref(
            "stock_lot_traceability.mail_template_stock_recall_notice"
        )
        class_label = dict(
            self._fields["recall_class"]._description_selection(self.env)
        )[self.recall_class]
        values = {
            "partner": partner,
            "lines": rows._get_notice_lines(),
            "class_label": class_label,
        }
        body = template._render_field("body_html", self.ids, add_context=values)
        subject = template._render_field("subject", self.ids, add_context=values)
        subject = subject[self.id]
        if follow_up:
            subject = self.env._("Follow-up: %(subject)s", subject=subject)
        return subject, body[self.id]

    def _notify_customers(self, recipients_by_partner, follow_up=False):
        """Send one notice per customer of ``recipients_by_partner``
        (``{customer: recipient partners}``) and record it on the rows it
        covers. Customers already notified (their notice queued or sent, not
        failed or bounced) are skipped unless ``follow_up``;
        if none is left, nothing is sent and the error says so. Everything
        is checked before the first message, and the mails leave after the
        commit: a failure sends and records nothing."""
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        # two users sending at once: the second sees the first one's records
        self.env.execute_query(
            SQL("SELECT id FROM stock_recall WHERE id = %s FOR NO KEY UPDATE", self.id)
        )
        self.shipment_ids.invalidate_recordset()
        notices = self._get_notices(follow_up=follow_up)
        to_send = {
            partner: recipients
            for partner, recipients in recipients_by_partner.items()
            if partner in notices
        }
        if not to_send:
            raise UserError(self._get_nothing_to_send_message(recipients_by_partner))
        if self.is_mock:
            return self._simulate_notices(to_send)
        self._check_notice_recipients(to_send)
        message_by_row = {}
        for partner, recipients in to_send.items():
            subject, body = self._render_notice(partner, notices[partner], follow_up)
            message = self.message_post(
                body=body,
                subject=subject,
                partner_ids=recipients.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            message_by_row.update(dict.fromkeys(notices[partner].ids, message.id))
        now = fields.Datetime.now()
        self.shipment_ids._mark_notified(message_by_row, now)
        self.write(
            {
                "state": "in_progress",
                "date_notified": self.date_notified or now,
            }
        )
        return len(to_send)

    def _get_nothing_to_send_message(self, recipients_by_partner):
        names = ", ".join(
            sorted(partner.display_name for partner in recipients_by_partner)
        )
        if not names:
            return self.env._(
                "Nothing was sent for recall %(name)s: no customer left to notify "
                "(already notified, excluded or not notifiable).",
                name=self.name,
            )
        return self.env._(
            "Nothing was sent for recall %(name)s: %(names)s already received "
            "this notice. Use 'Notify again' to send them a follow-up.",
            name=self.name,
            names=names,
        )

    def _check_notice_recipients(self, recipients_by_partner):
        """One error listing every customer whose notice would reach nobody,
        or not every recipient: no email address, or archived (Odoo posts
        the message but emails no archived partner, so the notice would
        count as sent to a customer who never got it)."""
        problems = []
        for partner, recipients in recipients_by_partner.items():
            if not recipients:
                problems.append(
                    self.env._("%(customer)s: no recipient", customer=partner.name)
                )
            for recipient in recipients.filtered(lambda r: not r.email):
                problems.append(
                    self.env._(
                        "%(customer)s: %(recipient)s has no email address",
                        customer=partner.name,
                        recipient=recipient.display_name,
                    )
                )
            for recipient in recipients.filtered(lambda r: r.email and not r.active):
                problems.append(
                    self.env._(
                        "%(customer)s: %(recipient)s is archived (Odoo emails no "
                        "archived contact)",
                        customer=partner.name,
                        recipient=recipient.display_name,
                    )
                )
        if problems:
            raise UserError(
                self.env._(
                    "These notices cannot be sent; nothing was sent. Add a contact "
                    "with an email address, or exclude the customer and notify "
                    "them by phone or post (export the customer list):\n%(lines)s",
                    lines="\n".join(problems),
                )
            )

    def _simulate_notices(self, recipients_by_partner):
        """Mock recall: no mail, no record, one note in the chatter."""
        names = ", ".join(
            sorted(partner.display_name for partner in recipients_by_partner)
        )
        if len(recipients_by_partner) == 1:
            body = self.env._(
                "Drill: notices simulated, no mail sent. It would notify "
                "1 customer: %(names)s.",
                names=names,
            )
        else:
            body = self.env._(
                "Drill: notices simulated, no mail sent. It would notify "
                "%(count)s customers: %(names)s.",
                count=len(recipients_by_partner),
                names=names,
            )
        self.message_post(body=body)
        return len(recipients_by_partner)

    # ----------------------------------------------------------------------
    # The exports of a recall: the FSMA 204 sortable spreadsheet (critical
    # tracking events with their key data elements, other movements,
    # customers, lots and mass balance) and the customer list for notices by
    # phone or post.
    # ----------------------------------------------------------------------

    def _export_action(self, export, file_format):
        """The export as a download, or its background job's form when the
        recall has more rows than the company's threshold."""
        self._check_traced()
        if self._export_in_background():
            self._enqueue_export(export, file_format)
            return self.export_job_id._get_action_view()
        attachment = self._store_export(*self._get_export_file(export, file_format))
        # "download": the form stays open (Odoo's own downloads, e.g. the
        # invoices' XML), no page unload
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download" if export != "customers" else "self",
        }

    # ------------------------------------------------------------------
    # the file, read only (also served by the read-only download route of
    # controllers/main.py, which a replica can answer)
    # ------------------------------------------------------------------

    def _get_export_file(self, export, file_format):
        """``(filename, content, mimetype)`` of the ``fsma`` export (FSMA 204
        spreadsheet) or the ``customers`` list, in ``xlsx`` or ``csv``, or
        of the ``epcis`` document, in ``jsonld`` or ``xml``.
        Reads only: nothing is stored."""
        self.ensure_one()
        self._check_traced()
        if export == "customers":
            content = self._export_customers(file_format)
        elif export == "epcis":
            document = self.env["stock.traceability.epcis"]._get_recall_document(self)
            write = epcis.xml_dumps if file_format == "xml" else epcis.dumps
            content = write(document)
        elif file_format == "xlsx":
            content = self._export_xlsx()
        else:
            content = self._export_csv()
        filename = (
            f"{self.name.replace('/', '_')}_{EXPORT_SUFFIXES[export]}.{file_format}"
        )
        return filename, content, MIMETYPES[file_format]

    # ------------------------------------------------------------------
    # big exports in the background (stock.traceability.job)
    # ------------------------------------------------------------------

    def _export_in_background(self):
        """An export of more rows (events and customer shipments) than the
        company's threshold runs in a background job."""
        self.ensure_one()
        threshold = self.company_id.traceability_job_export_threshold
        return bool(threshold) and self.event_count + self.shipment_count > threshold

    def _enqueue_export(self, export, file_format):
        self.ensure_one()
        labels = {
            "fsma": self.env._("FSMA 204 export"),
            "customers": self.env._("Customer list"),
            "epcis": self.env._("EPCIS 2.0 document"),
        }
        # A reader of the recall may export it, not write it: the job
        # reference is stored as superuser (like the attachment).
        self.sudo().export_job_id = self.env["stock.traceability.job"]._enqueue(
            "recall_export",
            self,
            self.env._(
                "%(export)s (%(format)s) of %(recall)s",
                export=labels[export],
                format=file_format.upper(),
                recall=self.name,
            ),
            total=2,
            export_format=f"{export}_{file_format}",
        )

    def _run_export_job(self, job):
        """The background export: the file (progress 1 of 2), then attached
        to the recall with a message in its chatter."""
        self.ensure_one()
        export, file_format = job.export_format.split("_")
        filename, content, mimetype = self._get_export_file(export, file_format)
        job._report_progress(1, 2)
        attachment = self._store_export(filename, content, mimetype)
        self.sudo().message_post(
            body=self.env._("%(job)s is ready.", job=job.name),
            attachment_ids=attachment.ids,
            author_id=job.user_id.partner_id.id,
        )

    # ------------------------------------------------------------------
    # FSMA 204 export
    # ------------------------------------------------------------------

    def _get_export_tz(self):
        return self.env.user.tz or "UTC"

    def _get_fsma_headers(self):
        """FSMA 204 headers; the event date says its time zone."""
        date_label = self.env._("Event date (%(tz)s)", tz=self._get_export_tz())
        return [
            (key, date_label if key == "event_date" else label)
            for key, label in FSMA_HEADERS
        ]

    def _get_fsma_rows(self, fsma=True):
        """One dict per event with the FSMA 204 key data elements: the
        critical tracking events (``fsma``), or the other movements
        (quarantine and internal transfers, scrap, adjustments)."""
        self.ensure_one()
        type_labels = dict(
            self.env["stock.recall.event"]
            ._fields["event_type"]
            ._description_selection(self.env)
        )
        tlc_sources = {
            rl.lot_id.id: rl.tlc_source or "" for rl in self.affected_lot_ids
        }
        tz = self._get_export_tz()
        events = self.event_ids.filtered(
            lambda e: (e.event_type in FSMA_EVENT_TYPES) == fsma
        )
        named = self._get_named_customers()
        rows = []
        for event in events.sorted(lambda e: (e.date, e.id)):
            customer = named.get(event.move_line_id.id)
            rows.append(
                {
                    "event_type": type_labels.get(
                        FSMA_EVENT_OF.get(event.event_type, event.event_type),
                        event.event_type,
                    ),
                    "event_date": spreadsheet.to_local(event.date, tz),
                    "tlc": event.lot_id.name,
                    "product": event.product_id.display_name,
                    "quantity": event.quantity,
                    "uom": event.uom_id.name,
                    "event_location": event._get_event_location_name(),
                    "previous_source": event._get_location_label(
                        event.location_id, customer
                    ),
                    "next_recipient": event._get_location_label(
                        event.location_dest_id, customer
                    ),
                    "tlc_source": tlc_sources.get(event.lot_id.id, ""),
                    "document_type": event._get_document_type(),
                    "document_number": event.reference or "",
                    "input_lots": event.input_lot_codes or "",
                }
            )
        return rows

    def _get_named_customers(self):
        """``{move line id: customer}``: the customers the trace named for
        lines whose transfer names none (``stock.recall.line.customer``), in
        one read. The trace names one customer per line: Odoo moves a
        session's sales at closing in one line per order line and lot."""
        self.ensure_one()
        named = self.env["stock.recall.line.customer"].search_fetch(
            [("recall_id", "=", self.id)], ["move_line_id", "partner_id"]
        )
        return {row.move_line_id.id: row.partner_id for row in named}

    def _get_customer_sheet(self):
        """Headers and rows of the customers' shipments (returns negative)."""
        self.ensure_one()
        tz = self._get_export_tz()
        kinds = dict(
            self.env["stock.recall.shipment"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        headers = [
            ("customer", self.env._("Customer")),
            ("address", self.env._("Delivery address")),
            ("date", self.env._("Date (%(tz)s)", tz=tz)),
            ("kind", self.env._("Kind")),
            ("document", self.env._("Document")),
            ("product", self.env._("Product")),
            ("lot", self.env._("Lot/Serial")),
            ("quantity", self.env._("Quantity")),
            ("uom", self.env._("Unit")),
            ("notified", self.env._("Notice")),
        ]
        # the delivery of the notice, not only that one was sent
        deliveries = dict(
            self.env["stock.recall.shipment"]
            ._fields["delivery_state"]
            ._description_selection(self.env)
        )
        rows = [
            {
                "customer": shipment.customer_name,
                "address": spreadsheet.one_line(
                    shipment.delivery_partner_id._display_address(without_company=True)
                    if shipment.delivery_partner_id
                    else ""
                ),
                "date": spreadsheet.to_local(shipment.date, tz),
                "kind": kinds[shipment.kind],
                "document": shipment.picking_id.name or "",
                "product": shipment.product_id.display_name,
                "lot": shipment.lot_id.name,
                "quantity": shipment.quantity,
                "uom": shipment.uom_id.name,
                "notified": deliveries.get(shipment.delivery_state, ""),
            }
            for shipment in self.shipment_ids
        ]
        return headers, rows

    def _get_lot_sheet(self):
        """Headers and rows of the affected lots with their mass balance."""
        self.ensure_one()
        lot_model = self.env["stock.recall.lot"]
        keys = [
            "direction",
            "depth",
            "path",
            "tlc_source",
            "qty_in",
            "qty_on_hand",
            "qty_in_transit",
            "qty_shipped",
            "qty_returned",
            "qty_vendor_returned",
            "qty_consumed",
            "qty_scrapped",
            "qty_adjusted",
            "qty_accounted",
            "qty_unexplained",
        ]
        headers = [
            ("lot", self.env._("Lot/Serial")),
            ("product", self.env._("Product")),
            *(
                (key, lot_model._fields[key]._description_string(self.env))
                for key in keys
            ),
            ("uom", self.env._("Unit")),
            ("balance_pct", self.env._("Accounted (%)")),
            ("balance_flag", self.env._("Out of balance")),
        ]
        directions = dict(
            lot_model._fields["direction"]._description_selection(self.env)
        )
        rows = []
        for line in self.affected_lot_ids:
            row = {key: line[key] for key in keys}
            row.update(
                lot=line.lot_id.name,
                product=line.product_id.display_name,
                direction=directions[line.direction],
                path=line.path or "",
                tlc_source=line.tlc_source or "",
                uom=line.uom_id.name,
                balance_pct=line.balance_pct,
                balance_flag=self.env._("Yes") if line.balance_flag else "",
            )
            rows.append(row)
        return headers, rows

    def _export_csv(self):
        headers = self._get_fsma_headers()
        return spreadsheet.write_csv(
            [label for _key, label in headers],
            [[row[key] for key, _label in headers] for row in self._get_fsma_rows()],
        )

    def _export_xlsx(self):
        fsma_headers = self._get_fsma_headers()
        sections = [
            (self.env._("FSMA events"), fsma_headers, self._get_fsma_rows()),
            (
                self.env._("Other movements"),
                fsma_headers,
                self._get_fsma_rows(fsma=False),
            ),
            (self.env._("Customers"), *self._get_customer_sheet()),
            (self.env._("Lots and mass balance"), *self._get_lot_sheet()),
        ]
        return spreadsheet.write_workbook(
            [
                (
                    name,
                    [label for _key, label in headers],
                    [[row[key] for key, _label in headers] for row in rows],
                    None,
                )
                for name, headers, rows in sections
            ]
        )

    # ------------------------------------------------------------------
    # customer list export (notices by phone or post)
    # ------------------------------------------------------------------

    def _get_customer_list_headers(self):
        tz = self.env.user.tz or "UTC"
        return [
            self.env._("Customer"),
            self.env._("Contact"),
            self.env._("Email"),
            self.env._("Phone"),
            self.env._("Address"),
            self.env._("Product"),
            self.env._("Lot/Serial"),
            self.env._("Quantity"),
            self.env._("Unit"),
            self.env._("Notified on (%(tz)s)", tz=tz),
            self.env._("Notice"),
        ]

    def _get_customer_list_rows(self):
        """One row per customer and lot they still hold (shipped minus
        returned, in the product's unit); the notice date in the user's
        time zone (naive ``datetime``) and what became of the customer's
        notice: a date alone does not say the email arrived."""
        self.ensure_one()
        shipments_model = self.env["stock.recall.shipment"]
        status = shipments_model._get_customer_status(self)
        labels = dict(
            shipments_model._fields["delivery_state"]._description_selection(self.env)
        )
        rows = []
        for partner, customer in status.get(self, {}).items():
            notice = self._format_customer_notice(customer, labels)
            for (lot, product), qty in customer["lots"].items():
                shipments = self.shipment_ids._get_notice_rows(
                    partner, {(lot, product)}
                )
                row = self._prepare_customer_list_row(partner, shipments, qty)
                rows.append(row + [notice])
        return sorted(rows, key=lambda row: (row[0], row[5], row[6]))

    def _prepare_customer_list_row(self, partner, shipments, qty):
        contact = shipments.delivery_partner_id[:1] or partner
        notified = max(
            shipments.filtered("notified_date").mapped("notified_date"), default=False
        )
        if notified:
            notified = fields.Datetime.context_timestamp(self, notified).replace(
                tzinfo=None
            )
        return [
            partner.display_name or self.env._("Anonymous retail customer"),
            (contact.name or "") if contact != partner else "",
            contact.email or partner.email or "",
            contact.phone or partner.phone or "",
            ", ".join(filter(None, (contact.contact_address or "").splitlines())),
            shipments.product_id.display_name,
            shipments.lot_id.name,
            shipments.product_id.uom_id.round(qty),
            shipments.product_id.uom_id.name,
            notified or "",
        ]

    @api.model
    def _format_customer_notice(self, customer, labels):
        """The delivery of a customer's notice as the Customers tab shows it
        (*Failed: Connection failed ...*), '' if never notified; ``labels``:
        ``{state: label}`` of the rows' notice status."""
        state = customer["delivery"]
        if not state:
            return ""
        return ": ".join(filter(None, (labels[state], customer["failure"])))

    def _export_customers(self, file_format):
        headers = self._get_customer_list_headers()
        rows = self._get_customer_list_rows()
        if file_format == "xlsx":
            widths = [30, 24, 28, 18, 50, 32, 20, 10, 10, 20, 40]
            return spreadsheet.write_xlsx(
                self.env._("Customers"), headers, rows, widths
            )
        csv_rows = [
            [
                value.strftime("%Y-%m-%d %H:%M") if index == 9 and value else value
                for index, value in enumerate(row)
            ]
            for row in rows
        ]
        return spreadsheet.write_csv(headers, csv_rows)

    def _store_export(self, filename, content, mimetype):
        """The recall's attachment named ``filename``, replaced if it exists:
        one attachment per recall and format, however often it is exported."""
        self.ensure_one()
        # readers of the recall may export it: the attachment hangs on the
        # recall (readable by them) but they cannot write the recall itself
        attachments = self.env["ir.attachment"].sudo()
        attachment = attachments.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("name", "=", filename),
            ],
            limit=1,
        )
        vals = {"datas": base64.b64encode(content), "mimetype": mimetype}
        if attachment:
            attachment.write(vals)
            return attachment
        return attachments.create(
            {"name": filename, "res_model": self._name, "res_id": self.id, **vals}
        )

    # ----------------------------------------------------------------------
    # The genealogy of a recall: its affected lots as a layered graph
    # (:mod:`.genealogy`), for the Genealogy tab, the lot form and the PDF.
    # ----------------------------------------------------------------------

    @api.readonly
    def get_genealogy(self, threshold=None):
        """The positioned genealogy of the traced recall, from its stored
        rows (see :func:`~.genealogy.layout` for the format)."""
        self.ensure_one()
        self.check_access("read")
        return self._get_genealogy_graph(
            self._get_genealogy_lot_rows(),
            self._get_genealogy_shipment_rows(),
            "stock.recall.shipment",
            threshold,
        )

    def _get_genealogy_svg(self):
        """The genealogy as inline SVG for the PDF report."""
        self.ensure_one()
        graph = self.get_genealogy()
        if not graph["nodes"]:
            return ""
        return Markup(genealogy.render_svg(graph, self._get_genealogy_texts()))

    def _get_genealogy_lot_rows(self):
        """Stored affected lots as ``(lot_id, depth, direction, parent_ids,
        on_hand, shipped, consumed)``. The parents are the lot ids the trace
        stored (``parent_lot_ids``: the lot before this one on its path),
        never lots matched by name: lots of different products may share a
        name."""
        self.ensure_one()
        return self.env.execute_query(
            SQL(
                """
                SELECT r.lot_id, r.depth, r.direction, r.parent_lot_ids,
                       r.qty_on_hand + r.qty_in_transit,
                       r.qty_shipped - r.qty_returned, r.qty_consumed
                  FROM stock_recall_lot r
                 WHERE r.recall_id = %(recall)s
                """,
                recall=self.id,
            )
        )

    def _get_genealogy_shipment_rows(self):
        """Customer rows ``(shipment_id, partner_id, lot_id, quantity)``, the
        quantity in the product's unit, negative for returns."""
        self.ensure_one()
        return self.env.execute_query(
            SQL(
                """
                SELECT s.id, s.partner_id, s.lot_id, s.product_qty
                  FROM stock_recall_shipment s
                 WHERE s.recall_id = %s
                """,
                self.id,
            )
        )

    @api.model
    def _get_genealogy_live_rows(self, lots):
        """The rows of :meth:`_get_genealogy_lot_rows` and
        :meth:`_get_genealogy_shipment_rows` computed now for ``lots``, as a
        recall of them in both directions would store them, without storing
        anything (the lot form)."""
        draft = self.new(
            {
                "lot_ids": [fields.Command.set(lots.ids)],
                "direction": "both",
                "company_id": lots.company_id[:1].id or self.env.company.id,
            }
        )
        self.env.flush_all()
        trace_rows = draft._get_trace_rows()
        params = {
            "companies": draft._get_trace_company_ids(),
            "all_lot_ids": [row[0] for row in trace_rows],
            "directions": [row[2] for row in trace_rows],
        }
        subcontract_location_ids = self.env[
            "stock.location"
        ]._get_subcontracting_location_ids()
        self.env.execute_query(SQL("SET LOCAL jit = off"))
        figures = self.env.execute_query(
            SQL(
                """
                WITH affected AS MATERIALIZED (%(affected)s),
                lines AS MATERIALIZED (%(lines)s),
                stock_rows AS MATERIALIZED (%(stock_rows)s),
                %(balance)s,
                named AS MATERIALIZED (%(named)s)
                SELECT NULL, tot.lot_id, NULL, tot.on_hand + tot.in_transit,
                       tot.shipped - tot.returned, tot.consumed
                  FROM tot
                 UNION ALL
                SELECT c.id, c.partner_id, c.lot_id, c.qty, NULL, NULL
                  FROM (%(customer_lines)s) c
                """,
                lines=recall_trace_sql.done_lines_query(
                    params["all_lot_ids"],
                    params["companies"],
                    params["directions"],
                    subcontract_location_ids,
                ),
                affected=recall_trace_sql.affected_query(trace_rows),
                stock_rows=recall_trace_sql.stock_rows_query(),
                balance=recall_trace_sql.balance_ctes(
                    recall_trace_sql.subcontract_locations_sql(subcontract_location_ids)
                ),
                named=recall_trace_sql.named_customers_query(self._has_pos_orders()),
                customer_lines=recall_trace_sql.customer_lines_query(
                    SQL("lines"),
                    recall_trace_sql.customer_lots_condition(),
                    recall_trace_sql.NAMED_JOIN,
                ),
            )
        )
        balance = {row[1]: row[3:] for row in figures if row[0] is None}
        lot_rows = [
            (lot_id, depth, direction, self._genealogy_path_parent(path))
            + tuple(balance.get(lot_id, (0.0, 0.0, 0.0)))
            for lot_id, depth, direction, path in trace_rows
        ]
        shipment_rows = [row[:4] for row in figures if row[0] is not None]
        return lot_rows, shipment_rows

    @api.model
    def _genealogy_path_parent(self, path):
        return recall_trace_sql.path_parent_ids(path)

    @api.model
    def _get_genealogy_graph(self, lot_rows, shipment_rows, shipment_model, threshold):
        """Nodes and edges of the lot and shipment rows, laid out."""
        threshold = threshold or genealogy.DEFAULT_THRESHOLD
        lot_info = self._get_genealogy_lot_info([row[0] for row in lot_rows])
        nodes, edges = [], []
        by_id = {}
        for lot_id, depth, direction, parent_ids, *figures in lot_rows:
            node = self._genealogy_lot_node(
                lot_id, lot_info[lot_id], depth, direction, figures
            )
            by_id[lot_id] = node
            nodes.append(node)
            edges.extend((f"lot-{parent}", node["id"]) for parent in parent_ids)
        customer_nodes, customer_edges = self._genealogy_customer_nodes(
            shipment_rows, by_id, shipment_model
        )
        party_nodes, party_edges = self._genealogy_subcontractor_nodes(by_id)
        graph = genealogy.layout(
            nodes + customer_nodes + party_nodes,
            edges + customer_edges + party_edges,
            threshold=threshold,
        )
        graph["legend"] = self._get_genealogy_legend()
        graph["threshold"] = threshold
        graph["lot_count"] = len(nodes)
        graph["customer_count"] = len(customer_nodes)
        return graph

    @api.model
    def _get_genealogy_lot_info(self, lot_ids):
        """``{lot_id: (name, product name, unit name, blocked, expired,
        product id, product name without its reference)}`` in one query
        (the ORM reads them per record, which grows with the lots); product
        and unit names through the ORM, once per product."""
        self.env["stock.lot"].flush_model(["name", "product_id", "is_blocked"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.id, lot.name, lot.product_id, lot.is_blocked,
                       COALESCE(lot.expiration_date < NOW() AT TIME ZONE 'UTC', FALSE)
                  FROM stock_lot lot
                 WHERE lot.id = ANY(%s)
                """,
                lot_ids,
            )
        )
        products = self.env["product.product"].browse({row[2] for row in rows})
        names = {
            product.id: (product.display_name, product.uom_id.name)
            for product in products
        }
        # the lines of a customer's box name the product as the recall's
        # lists do (short: the box is narrow); its reference is in the lot
        # boxes
        short = {
            product.id: quantity_format.product_label(product) for product in products
        }
        return {
            lot_id: (name, *names[product_id], blocked, expired, product_id)
            + (short[product_id],)
            for lot_id, name, product_id, blocked, expired in rows
        }

    @api.model
    def _genealogy_lot_node(self, lot_id, info, depth, direction, figures):
        name, product, uom, is_blocked, is_expired, product_id, short = info
        on_hand, shipped, consumed = (value or 0.0 for value in figures)
        state, qty = genealogy.lot_state(
            is_blocked, is_expired, on_hand, shipped, consumed
        )
        return {
            "id": f"lot-{lot_id}",
            "kind": "lot",
            "column": -depth if direction == "upstream" else depth,
            "is_seed": direction == "seed",
            "label": name,
            "sublabel": product,
            "group_label": product,
            "state": state,
            "quantities": [[qty, uom, short, product_id]],
            "figures": {
                "on_hand": on_hand,
                "shipped": shipped,
                "consumed": consumed,
                "uom": uom,
                "product_id": product_id,
                "product": short,
            },
            "res_model": "stock.lot",
            "res_ids": [lot_id],
        }

    @api.model
    def _genealogy_customer_nodes(self, shipment_rows, lot_nodes, shipment_model):
        """One node per customer (anonymous retail customers together), its
        net quantities per product and unit, and one edge per lot it
        received."""
        rows = defaultdict(list)
        for row in shipment_rows:
            rows[row[1] or 0].append(row)
        # shipments name the commercial partner: its name is its display name
        partners = self.env["res.partner"].browse([pid for pid in rows if pid])
        partners.fetch(["name"])
        names = {partner.id: partner.name for partner in partners}
        anonymous = self.env._("Anonymous retail customer")
        lots_label = self.env._("%(count)s lots")
        one_lot = self.env._("1 lot")
        nodes, edges = [], set()
        for partner_id, partner_rows in rows.items():
            node_id = f"customer-{partner_id}"
            # per product and unit: cookies and gift boxes received in
            # Units are two quantities, never one "Units" total
            totals = defaultdict(float)
            for _record_id, _partner, lot_id, qty in partner_rows:
                figures = lot_nodes[lot_id]["figures"]
                key = (figures["product"], figures["uom"], figures["product_id"])
                totals[key] += qty
                edges.add((f"lot-{lot_id}", node_id))
            lot_count = len({row[2] for row in partner_rows})
            nodes.append(
                {
                    "id": node_id,
                    "kind": "customer",
                    "column": 0,
                    "label": names.get(partner_id, anonymous),
                    "sublabel": one_lot
                    if lot_count == 1
                    else lots_label % {"count": lot_count},
                    "group_label": "",
                    "state": "customer",
                    "quantities": [
                        [qty, uom, product, product_id]
                        for (product, uom, product_id), qty in sorted(totals.items())
                    ],
                    "res_model": shipment_model,
                    "res_ids": sorted(row[0] for row in partner_rows),
                }
            )
        return nodes, sorted(edges)

    @api.model
    def _genealogy_subcontractor_nodes(self, lot_nodes):
        """One node per subcontractor that the lots of ``lot_nodes`` were
        shipped to (``subcontract_shipping``, see
        :func:`.trace_engine.event_types_sql`): another firm that held them,
        drawn beside the customers, with what it was sent per product and
        unit (as a customer's box: :meth:`_genealogy_customer_nodes`) and an
        edge from each lot. What it still holds is counted on hand in the
        lot's figures (the quants of its location). No query without
        subcontracting locations."""
        location_ids = self.env["stock.location"]._get_subcontracting_location_ids()
        if not location_ids or not lot_nodes:
            return [], []
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id, l.partner_id, l.lot_id, l.qty
                  FROM (%s) l
                 WHERE l.event_type = 'subcontract_shipping'
                """,
                recall_trace_sql.event_lines_query(
                    trace_engine.done_lines_sql(
                        list(lot_nodes), self.env.user.company_ids.ids
                    ),
                    subcontract_locations=recall_trace_sql.subcontract_locations_sql(
                        location_ids
                    ),
                ),
            )
        )
        partners = self.env["res.partner"].browse({row[1] for row in rows if row[1]})
        commercial = {partner.id: partner.commercial_partner_id for partner in partners}
        by_party = defaultdict(list)
        for row in rows:
            by_party[commercial.get(row[1], self.env["res.partner"])].append(row)
        label = self.env._("Subcontractor")
        nodes, edges = [], set()
        for partner, party_rows in by_party.items():
            node_id = f"subcontractor-{partner.id or 0}"
            totals = defaultdict(float)
            for _line_id, _partner_id, lot_id, qty in party_rows:
                figures = lot_nodes[lot_id]["figures"]
                key = (figures["product"], figures["uom"], figures["product_id"])
                totals[key] += qty
                edges.add((f"lot-{lot_id}", node_id))
            nodes.append(
                {
                    "id": node_id,
                    "kind": "customer",
                    "column": 0,
                    "label": partner.name or label,
                    "sublabel": label,
                    "group_label": "",
                    "state": "subcontractor",
                    "quantities": [
                        [qty, uom, product, product_id]
                        for (product, uom, product_id), qty in sorted(totals.items())
                    ],
                    "res_model": "stock.move.line",
                    "res_ids": sorted(row[0] for row in party_rows),
                }
            )
        return nodes, sorted(edges)

    @api.model
    def _get_genealogy_legend(self):
        legend = []
        # a loop, not a comprehension: the lazy labels find the language in
        # the caller's frame (``self.env``)
        for state, (fill, stroke, label) in genealogy.STATES.items():
            text = str(label)
            legend.append(
                {"state": state, "fill": fill, "stroke": stroke, "label": text}
            )
        return legend

    def _get_genealogy_texts(self):
        """The three lines of a node in the PDF, as the client writes them."""
        state_labels = {
            item["state"]: item["label"] for item in self._get_genealogy_legend()
        }

        def quantity(qty, uom):
            return f"{float_repr(qty, 2)} {uom}"

        def title(node):
            if node["is_group"] and node["kind"] == "customer":
                return self.env._("%(count)s customers", count=node["count"])
            if node["is_group"]:
                return self.env._("%(count)s lots", count=node["count"])
            return node["label"]

        def subtitle(node):
            return node["label"] if node["is_group"] else node["sublabel"]

        received = self.env._("Received")

        def figure(node):
            label = (
                received if node["kind"] == "customer" else state_labels[node["state"]]
            )
            if node["items"] or node["items_hidden"] or not node["quantities"]:
                return label
            # one product (a lot, a group of one product's lots)
            qty, uom, *_product = node["quantities"][0]
            return f"{label} · {quantity(qty, uom)}"

        def item(entry):
            qty, uom, product, _product_id = entry
            return f"{quantity(qty, uom)} · {product}"

        def more(count):
            return self.env._("+ %(count)s more products", count=count)

        return {
            "title": title,
            "subtitle": subtitle,
            "figure": figure,
            "item": item,
            "more": more,
        }

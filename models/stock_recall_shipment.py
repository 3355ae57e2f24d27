# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools
import textwrap
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, float_compare
from odoo.tools.misc import formatLang

from ..tools import recall_view_sql

# read from stock.recall.notice (see ``_mark_notified``) and from the
# delivery of its message
NOTICE_COLUMNS = (
    "notified",
    "notified_date",
    "notice_message_id",
    "delivery_state",
    "delivery_failure_type",
    "delivery_failure_reason",
)
# the failure reason of a notice as rows and the recall show it, in characters
REASON_WIDTH = 200


class StockRecallShipment(models.Model):
    """A customer delivery (or return) of an affected lot: a view over the
    lines of each trace (:func:`.recall_view_sql.shipment_view_query`);
    the notice sent for a row is kept in ``stock.recall.notice``."""

    _name = "stock.recall.shipment"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Customer Shipment"
    _order = "recall_id, partner_id, date, id"
    _recall_row_ids_column = "shipment_row_ids"
    _auto = False
    _log_access = False

    kind = fields.Selection(
        [("shipment", "Shipment"), ("return", "Customer Return")],
        readonly=True,
        help="A customer return is a row with a negative quantity: the sum per "
        "customer is what the customer still holds.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_name = fields.Char(
        string="Customer Name",
        compute="_compute_customer_name",
        help="The customer, or 'Anonymous retail customer' for a sale without "
        "one (point of sale).",
    )
    delivery_partner_id = fields.Many2one(
        related="move_line_id.picking_id.partner_id", string="Delivery Address"
    )
    date = fields.Datetime()
    picking_id = fields.Many2one(related="move_line_id.picking_id", string="Document")
    product_id = fields.Many2one("product.product", readonly=True)
    # no aggregator: a customer's (or a lot's) group of rows would add up
    # different products in its header
    quantity = fields.Float(digits="Product Unit", aggregator=None)
    uom_id = fields.Many2one(related="move_line_id.product_uom_id", string="Unit")
    product_qty = fields.Float(
        string="Quantity (Product Unit)", digits="Product Unit", aggregator=None
    )
    notified = fields.Boolean(readonly=True)
    notified_date = fields.Datetime(
        string="Notified On",
        readonly=True,
        help="When the customer was last sent a notice covering this row.",
    )
    notice_message_id = fields.Many2one(
        "mail.message",
        string="Notice",
        readonly=True,
        help="The last notice (message on the recall) that covered this row.",
    )
    delivery_state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("bounced", "Bounced"),
            ("unknown", "No delivery record"),
        ],
        string="Notice Status",
        readonly=True,
        help="Where the email of the last notice is, as Odoo's mail tracking "
        "records it: queued (waiting for the mail queue), sent (accepted by "
        "the mail server), failed (not sent: see the reason; Notify offers "
        "the customer again), bounced (returned by the recipient's server; "
        "offered again too). No delivery record: the notice's message was "
        "deleted.",
    )
    delivery_failure_type = fields.Selection(
        selection=lambda self: self.env["mail.notification"]
        ._fields["failure_type"]
        ._description_selection(self.env),
        string="Failure Type",
        readonly=True,
    )
    delivery_failure_reason = fields.Text(string="Failure Details", readonly=True)
    delivery_failure = fields.Char(
        string="Failure Reason",
        compute="_compute_delivery_failure",
        help="Why the email of the last notice failed or bounced.",
    )

    def init(self):
        self._create_view()

    def _view_query(self):
        return recall_view_sql.shipment_view_query()

    @api.depends("partner_id")
    def _compute_customer_name(self):
        anonymous = self.env._("Anonymous retail customer")
        for shipment in self:
            shipment.customer_name = shipment.partner_id.display_name or anonymous

    @api.depends("delivery_state", "delivery_failure_type", "delivery_failure_reason")
    def _compute_delivery_failure(self):
        for row in self:
            row.delivery_failure = self._format_delivery_failure(
                row.delivery_state,
                row.delivery_failure_type,
                row.delivery_failure_reason,
            )

    @api.model
    def _format_delivery_failure(self, state, failure_type, reason):
        """``Failure type: details`` of a failed or bounced notice, else ''."""
        if state not in recall_view_sql.NOTICE_RESEND_STATES:
            return ""
        label = dict(
            self._fields["delivery_failure_type"]._description_selection(self.env)
        ).get(failure_type)
        if not label and not reason:
            return self.env._("Cancelled before it was sent")
        # a bounce keeps the whole report of the recipient's server: one line
        reason = textwrap.shorten(reason or "", REASON_WIDTH, placeholder=" …")
        return ": ".join(filter(None, (label, reason)))

    @api.model
    def _get_customer_status(self, recalls):
        """Who holds what, per recall, in one query.

        ``{recall: {partner: {"lots": {(lot, product): net qty}, "pending":
        bool, "notified": bool, "delivery": state, "failure": text}}}``,
        ``partner`` empty for the anonymous retail customer. Only lots the
        customer still holds (shipped minus returned, in the product's unit,
        above zero) are listed, and only customers holding one. ``pending``:
        a shipment of such a lot was never notified, or its notice failed or
        bounced (:data:`.recall_view_sql.NOTICE_RESEND_STATES`); ``notified``:
        one was notified; ``delivery``: the least delivered notice of those
        shipments (:data:`.recall_view_sql.NOTICE_STATES`, False if none),
        ``failure``: why it failed (:meth:`_format_delivery_failure`).
        """
        rows = self.env.execute_query(self._customer_lots_query(recalls))
        # uom.uom.compare(): every unit rounds with the 'Product Unit' digits
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        states = recall_view_sql.NOTICE_STATES
        status = defaultdict(dict)
        for (
            recall_id,
            partner_id,
            lot_id,
            product_id,
            qty,
            pending,
            notified,
            worst,
            failure_type,
            failure_reason,
        ) in rows:
            if float_compare(qty or 0.0, 0.0, precision_digits=digits) <= 0:
                continue
            customer = status[self.env["stock.recall"].browse(recall_id)].setdefault(
                self.env["res.partner"].browse(partner_id),
                {
                    "lots": {},
                    "pending": False,
                    "notified": False,
                    "delivery": False,
                    "failure": "",
                },
            )
            lot = self.env["stock.lot"].browse(lot_id)
            customer["lots"][lot, self.env["product.product"].browse(product_id)] = qty
            customer["pending"] |= pending
            customer["notified"] |= notified
            delivery = states[worst - 1] if worst else False
            if delivery and (
                not customer["delivery"]
                or states.index(delivery) < states.index(customer["delivery"])
            ):
                customer["delivery"] = delivery
                customer["failure"] = self._format_delivery_failure(
                    delivery, failure_type, failure_reason
                )
        return status

    @api.model
    def _customer_lots_query(self, recalls):
        """One row per recall, customer, lot and product of the customer
        rows of ``recalls``: ``recall_id``, ``partner_id``, ``lot_id``,
        ``product_id``, the net quantity, ``pending``, ``notified``, the
        rank of the least delivered notice in
        :data:`.recall_view_sql.NOTICE_STATES` (1-based, NULL if none) and
        the failure type and reason of the first failed notice (see
        :meth:`_get_customer_status`)."""
        # one row per customer, lot and product, netted and flagged in SQL
        # (the recall's customer rows can be thousands), under the access
        # rules of the rows
        self.env.flush_all()
        query = self._search([("recall_id", "in", recalls.ids)])
        table = query.table
        column = functools.partial(SQL.identifier, table)
        query.groupby = SQL(
            "%s, %s, %s, %s",
            column("recall_id"),
            column("partner_id"),
            column("lot_id"),
            column("product_id"),
        )
        shipment = SQL("%s = 'shipment'", column("kind"))
        failed = SQL(
            "%s = ANY(%s::varchar[])",
            column("delivery_state"),
            list(recall_view_sql.NOTICE_RESEND_STATES),
        )
        rank = SQL(
            "array_position(%s::varchar[], %s)",
            list(recall_view_sql.NOTICE_STATES),
            column("delivery_state"),
        )

        def first_failure(name):
            return SQL(
                "(ARRAY_AGG(%s ORDER BY %s, %s) FILTER (WHERE %s AND %s))[1]",
                column(name),
                rank,
                column("id"),
                shipment,
                failed,
            )

        return query.select(
            query.groupby,
            SQL("SUM(%s)", column("product_qty")),
            SQL(
                "BOOL_OR(%s AND (NOT %s OR %s))",
                shipment,
                column("notified"),
                failed,
            ),
            SQL("BOOL_OR(%s AND %s)", shipment, column("notified")),
            SQL(
                "MIN(%s) FILTER (WHERE %s AND %s)",
                rank,
                shipment,
                column("notified"),
            ),
            first_failure("delivery_failure_type"),
            first_failure("delivery_failure_reason"),
        )

    @api.model
    def _get_customer_counts(self, recalls):
        """The notice counters of ``recalls`` (the form's), as
        :meth:`_get_customer_status` would give them, folded per customer in
        SQL: the recall's customer rows can be thousands, a Python dict per
        customer and lot cost more than reading them.

        ``{recall id: [(partner id, pending, notified, delivery, failure
        type, failure reason)]}``, one tuple per named customer holding a
        lot (the anonymous retail customer left out); ``delivery`` as in
        :meth:`_get_customer_status`, the failure of the lot whose notice is
        the least delivered."""
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.recall_id, c.partner_id, BOOL_OR(c.pending),
                       BOOL_OR(c.notified), MIN(c.worst),
                       (ARRAY_AGG(c.failure_type ORDER BY c.worst, c.lot_id,
                                  c.product_id)
                            FILTER (WHERE c.worst IS NOT NULL))[1],
                       (ARRAY_AGG(c.failure_reason ORDER BY c.worst, c.lot_id,
                                  c.product_id)
                            FILTER (WHERE c.worst IS NOT NULL))[1]
                  FROM (%(lots)s) AS c(recall_id, partner_id, lot_id, product_id,
                                       qty, pending, notified, worst,
                                       failure_type, failure_reason)
                 WHERE c.partner_id IS NOT NULL
                   -- uom.uom.compare(): every unit rounds with the 'Product
                   -- Unit' digits; only lots the customer still holds
                   AND ROUND(COALESCE(c.qty, 0)::numeric, %(digits)s) > 0
                 GROUP BY c.recall_id, c.partner_id
                """,
                lots=self._customer_lots_query(recalls),
                digits=digits,
            )
        )
        states = recall_view_sql.NOTICE_STATES
        counts = defaultdict(list)
        for recall_id, partner_id, pending, notified, worst, ftype, reason in rows:
            delivery = states[worst - 1] if worst else False
            counts[recall_id].append(
                (partner_id, pending, notified, delivery, ftype, reason)
            )
        return counts

    def _get_notice_rows(self, partner, lots):
        """The rows of ``partner`` (shipments and returns) of the ``lots``
        (``(lot, product)`` pairs) a notice covers."""
        return self.filtered(
            lambda row: row.partner_id == partner
            and (row.lot_id, row.product_id) in lots
        )

    def _get_notice_lines(self):
        """The rows as the notice template lists them (returns negative)."""
        return [
            {
                "date": row.date,
                "document": row.picking_id.name or "",
                "product": row.product_id.display_name,
                "lot": row.lot_id.name,
                # the number as the user's language writes it, at the
                # precision of quantities (the template adds the unit)
                "quantity": formatLang(self.env, row.quantity, dp="Product Unit"),
                "uom": row.uom_id.name,
                "address": row.delivery_partner_id.contact_address or "",
            }
            for row in self.sorted(lambda r: (r.date, r.id))
        ]

    def _mark_notified(self, message_by_row, date):
        """Record the notice of each row (``{row id: mail.message id}``) in
        one statement: a new trace of the recall keeps it (the notices are
        kept per recall, move line and kind)."""
        rows = self.browse(list(message_by_row))
        self.env["stock.recall.notice"]._record(
            [
                (
                    row.recall_id.id,
                    row.move_line_id.id,
                    row.kind,
                    message_by_row[row.id],
                )
                for row in rows
            ],
            date,
        )
        self.invalidate_model(NOTICE_COLUMNS)

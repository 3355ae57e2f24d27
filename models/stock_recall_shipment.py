# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

# kept across a new trace of the recall (see ``_save_notifications``)
NOTIFICATION_COLUMNS = ("notified", "notified_date", "notification_message_id")


class StockRecallShipment(models.Model):
    """A customer delivery of an affected lot."""

    _name = "stock.recall.shipment"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Customer Shipment"
    _order = "recall_id, partner_id, date, id"
    # filled by one INSERT .. SELECT per trace (see stock.recall.event)
    _log_access = False

    kind = fields.Selection(
        [("shipment", "Shipment"), ("return", "Customer Return")],
        default="shipment",
        required=True,
        help="A customer return is a row with a negative quantity: the sum per "
        "customer is what the customer still holds.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
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
    product_id = fields.Many2one(related="move_line_id.product_id")
    quantity = fields.Float(digits="Product Unit")
    uom_id = fields.Many2one(related="move_line_id.product_uom_id", string="Unit")
    product_qty = fields.Float(string="Quantity (Product Unit)", digits="Product Unit")
    notified = fields.Boolean(readonly=True)
    notified_date = fields.Datetime(
        string="Notified On",
        readonly=True,
        help="When the customer was last sent a notice covering this row.",
    )
    notification_message_id = fields.Many2one(
        "mail.message",
        string="Notice",
        readonly=True,
        ondelete="set null",
        help="The last notice (message on the recall) that covered this row.",
    )

    @api.depends("partner_id")
    def _compute_customer_name(self):
        anonymous = self.env._("Anonymous retail customer")
        for shipment in self:
            shipment.customer_name = shipment.partner_id.display_name or anonymous

    @api.model
    def _get_customer_status(self, recalls):
        """Who holds what, per recall, in one query.

        ``{recall: {partner: {"lots": {(lot, product): net qty}, "pending":
        bool, "notified": bool}}}``, ``partner`` empty for the anonymous retail
        customer. Only lots the customer still holds (shipped minus returned,
        in the product's unit, above zero) are listed, and only customers
        holding one. ``pending``: a shipment of such a lot was never notified;
        ``notified``: one was.
        """
        groups = self._read_group(
            [("recall_id", "in", recalls.ids)],
            ["recall_id", "partner_id", "lot_id", "product_id", "kind", "notified"],
            ["product_qty:sum"],
        )
        net = defaultdict(float)
        flags = defaultdict(set)
        for recall, partner, lot, product, kind, notified, qty in groups:
            key = (recall, partner, lot, product)
            net[key] += qty
            if kind == "shipment":
                flags[key].add("notified" if notified else "pending")
        status = defaultdict(dict)
        for (recall, partner, lot, product), qty in net.items():
            if product.uom_id.compare(qty, 0.0) <= 0:
                continue
            customer = status[recall].setdefault(
                partner, {"lots": {}, "pending": False, "notified": False}
            )
            customer["lots"][lot, product] = qty
            for flag in flags[recall, partner, lot, product]:
                customer[flag] = True
        return status

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
                "quantity": row.quantity,
                "uom": row.uom_id.name,
                "address": row.delivery_partner_id.contact_address or "",
            }
            for row in self.sorted(lambda r: (r.date, r.id))
        ]

    def _mark_notified(self, message_by_row, date):
        """Record the notice of each row (``{row id: mail.message id}``) in
        one statement."""
        self.flush_model(NOTIFICATION_COLUMNS)
        row_ids = list(message_by_row)
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_recall_shipment s
                   SET notified = TRUE, notified_date = %(date)s,
                       notification_message_id = n.message_id
                  FROM unnest(%(rows)s::int[], %(messages)s::int[])
                       AS n(row_id, message_id)
                 WHERE s.id = n.row_id
                """,
                date=date,
                rows=row_ids,
                messages=[message_by_row[row_id] for row_id in row_ids],
            )
        )
        self.invalidate_model(NOTIFICATION_COLUMNS)

    @api.model
    def _save_notifications(self, recall):
        """The notices recorded on the rows of ``recall``, keyed by move line
        and kind, before a new trace replaces the rows."""
        return self.env.execute_query(
            SQL(
                """
                SELECT move_line_id, kind, notified_date, notification_message_id
                  FROM stock_recall_shipment
                 WHERE recall_id = %s AND notified
                """,
                recall.id,
            )
        )

    @api.model
    def _restore_notifications(self, recall, saved):
        """Put back on the new rows of ``recall`` what ``_save_notifications``
        kept: a new trace never makes a notified customer look unnotified."""
        if not saved:
            return
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_recall_shipment s
                   SET notified = TRUE, notified_date = o.notified_date,
                       notification_message_id = o.message_id
                  FROM unnest(%(lines)s::int[], %(kinds)s::varchar[],
                              %(dates)s::timestamp[], %(messages)s::int[])
                       AS o(move_line_id, kind, notified_date, message_id)
                 WHERE s.recall_id = %(recall)s
                   AND s.move_line_id = o.move_line_id AND s.kind = o.kind
                """,
                recall=recall.id,
                lines=[row[0] for row in saved],
                kinds=[row[1] for row in saved],
                dates=[row[2] for row in saved],
                messages=[row[3] for row in saved],
            )
        )
        self.invalidate_model(NOTIFICATION_COLUMNS)

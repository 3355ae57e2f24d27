# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models

from . import recall_trace_sql

# read from stock.recall.notification (see ``_mark_notified``)
NOTIFICATION_COLUMNS = ("notified", "notified_date", "notification_message_id")


class StockRecallShipment(models.Model):
    """A customer delivery (or return) of an affected lot: a view over the
    lines of each trace (:func:`.recall_trace_sql.shipment_view_query`);
    the notice sent for a row is kept in ``stock.recall.notification``."""

    _name = "stock.recall.shipment"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Customer Shipment"
    _order = "recall_id, partner_id, date, id"
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
        help="The last notice (message on the recall) that covered this row.",
    )

    def init(self):
        self._create_view()

    def _view_query(self):
        return recall_trace_sql.shipment_view_query()

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
        one statement: a new trace of the recall keeps it (the notices are
        kept per recall, move line and kind)."""
        rows = self.browse(list(message_by_row))
        self.env["stock.recall.notification"]._record(
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
        self.invalidate_model(NOTIFICATION_COLUMNS)

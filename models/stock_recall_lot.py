# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class StockRecallLot(models.Model):
    """A lot reached by a recall trace, with its mass balance."""

    _name = "stock.recall.lot"
    _description = "Recall Affected Lot"
    _order = "recall_id, depth, id"
    # filled by one INSERT .. SELECT per trace: no log columns, fewer
    # foreign keys to check per row
    _log_access = False

    recall_id = fields.Many2one(
        "stock.recall", required=True, ondelete="cascade", index=True
    )
    # not stored: a trace writes thousands of rows, every stored foreign key
    # is one more check per row
    company_id = fields.Many2one(related="recall_id.company_id")
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial", required=True, index=True
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    direction = fields.Selection(
        [("seed", "Seed"), ("downstream", "Downstream"), ("upstream", "Upstream")],
        required=True,
    )
    depth = fields.Integer(
        help="Manufacturing steps between the seed lot and this lot."
    )
    path = fields.Char(help="Lots from the seed lot to this lot.")
    tlc_source = fields.Char(
        string="Lot Code Source",
        help="Who assigned the lot code: the vendor for a receipt, the "
        "company and production order for a manufactured lot.",
    )
    is_blocked = fields.Boolean(related="lot_id.is_blocked")

    # mass balance, in the product's unit
    qty_received = fields.Float(
        string="Received",
        digits="Product Unit",
        help="Received from vendors, plus the stock on hand that this lot was "
        "assigned to retroactively.",
    )
    qty_produced = fields.Float(string="Produced", digits="Product Unit")
    qty_found = fields.Float(
        string="Inventory Gains",
        digits="Product Unit",
        help="Quantity that entered through inventory adjustments. Net gains "
        "(gains minus losses) count as received.",
    )
    qty_in = fields.Float(
        string="Received or Produced",
        digits="Product Unit",
        help="Received + produced + net inventory gains.",
    )
    qty_on_hand = fields.Float(string="On Hand", digits="Product Unit")
    qty_in_transit = fields.Float(string="In Transit", digits="Product Unit")
    qty_shipped = fields.Float(string="Shipped", digits="Product Unit")
    qty_returned = fields.Float(string="Returned by Customers", digits="Product Unit")
    qty_vendor_returned = fields.Float(
        string="Returned to Vendors", digits="Product Unit"
    )
    qty_consumed = fields.Float(string="Consumed", digits="Product Unit")
    qty_scrapped = fields.Float(string="Scrapped", digits="Product Unit")
    qty_adjusted = fields.Float(
        string="Inventory Losses",
        digits="Product Unit",
        help="Quantity that left through inventory adjustments. A net loss is "
        "not accounted for: nobody knows where these units went, so it shows "
        "as unexplained.",
    )
    qty_accounted = fields.Float(
        string="Accounted For",
        digits="Product Unit",
        help="On hand + in transit + shipped - returned by customers + returned "
        "to vendors + consumed + scrapped.",
    )
    qty_unexplained = fields.Float(string="Unexplained", digits="Product Unit")
    balance_pct = fields.Float(string="Accounted (%)", digits=(16, 2), aggregator="avg")
    balance_flag = fields.Boolean(
        string="Out of Balance",
        help="The accounted quantity is outside 100 % ± 2 % of the quantity "
        "received or produced.",
    )

    # the snapshot of the trace, served by the views of stock.recall.event
    # and stock.recall.shipment: the ids of the lot's traced lines are in the
    # column traced_line_ids (an integer array, see init), its counts here
    event_count = fields.Integer(string="Events")
    qty_customer_shipped = fields.Float(
        string="Shipped to Customers",
        digits="Product Unit",
        help="Delivered to customers (the recall's customer shipments).",
    )

    _recall_lot_unique = models.UniqueIndex("(recall_id, lot_id)")

    def init(self):
        """The ids of the lines that the trace read for the lot, and the ids
        of its parent lots in the genealogy (the lot before it on its path;
        none for a seed): integer arrays (no field type of the ORM), written
        by the trace statement, read by the views of events and shipments
        and by the genealogy."""
        for column in ("traced_line_ids", "parent_lot_ids"):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s int4[]"
                    " NOT NULL DEFAULT '{}'",
                    SQL.identifier(self._table),
                    SQL.identifier(column),
                )
            )

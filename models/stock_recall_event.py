# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..tools import recall_view_sql, spreadsheet


class StockRecallEvent(models.Model):
    """One critical tracking event of an affected lot (one done move line):
    a view over the lines of each trace (:func:`.recall_view_sql.event_view_query`)."""

    _name = "stock.recall.event"
    _inherit = "stock.recall.line.mixin"
    _description = "Recall Traceability Event"
    _order = "recall_id, date, id"
    _recall_row_ids_column = "event_row_ids"
    _auto = False
    _log_access = False

    product_id = fields.Many2one("product.product")
    event_type = fields.Selection(
        [
            ("receiving", "Receiving"),
            ("shipping", "Shipping"),
            ("subcontract_shipping", "Shipping to Subcontractor"),
            ("subcontract_receiving", "Receiving from Subcontractor"),
            ("customer_return", "Customer Return"),
            ("vendor_return", "Return to Vendor"),
            ("consumption", "Transformation Input"),
            ("production", "Transformation Output"),
            ("scrap", "Scrap"),
            ("adjustment", "Inventory Adjustment"),
            ("internal", "Internal Transfer"),
            ("assignment", "Lot Assignment (retroactive)"),
            ("unclassified", "Unclassified (see Traceability Health)"),
        ],
        required=True,
    )
    date = fields.Datetime()
    # in the line's unit: no aggregator, a group of events would add up
    # different products and units in its header
    quantity = fields.Float(digits="Product Unit", aggregator=None)
    uom_id = fields.Many2one(related="move_line_id.product_uom_id", string="Unit")
    product_qty = fields.Float(string="Quantity (Product Unit)", digits="Product Unit")
    location_id = fields.Many2one(related="move_line_id.location_id", string="From")
    location_dest_id = fields.Many2one(
        related="move_line_id.location_dest_id", string="To"
    )
    partner_id = fields.Many2one("res.partner", string="Partner")
    picking_id = fields.Many2one(related="move_line_id.picking_id", string="Transfer")
    reference = fields.Char(string="Document")
    input_lot_codes = fields.Char(string="Input Lots")

    def init(self):
        self._create_view()

    def _view_query(self):
        return recall_view_sql.event_view_query()

    def _get_event_location_name(self):
        """Where the event happened: our side of the move, as the
        location's full name and the address of its warehouse."""
        self.ensure_one()
        if self.event_type in (
            "receiving",
            "subcontract_receiving",
            "customer_return",
            "production",
        ):
            location = self.location_dest_id
        else:
            location = self.location_id
        address_partner = (
            location.warehouse_id.partner_id or location.company_id.partner_id
        )
        address = spreadsheet.one_line(
            address_partner._display_address(without_company=True)
        )
        return ", ".join(filter(None, [location.complete_name, address]))

    def _get_location_label(self, location, customer=None):
        """Partner name for an external location (a subcontractor's too: the
        other side of a shipment to or receipt from it), else the location
        name. ``customer``: the customer a sale document names for the line
        when its transfer names none (``stock.recall.line.customer``, e.g. a
        point-of-sale session's transfer at closing), for the customers'
        location."""
        self.ensure_one()
        if customer and location.usage == "customer":
            return customer.display_name
        subcontractor = {
            "subcontract_shipping": self.location_dest_id,
            "subcontract_receiving": self.location_id,
        }.get(self.event_type)
        external = (
            location.usage in ("supplier", "customer") or location == subcontractor
        )
        if external and self.partner_id:
            return self.partner_id.display_name
        return location.display_name

    def _get_document_type(self):
        self.ensure_one()
        if self.picking_id:
            return {
                "incoming": self.env._("Receipt"),
                "outgoing": self.env._("Delivery order"),
            }.get(self.picking_id.picking_type_id.code, self.env._("Transfer"))
        return {
            "consumption": self.env._("Production order"),
            "production": self.env._("Production order"),
            "scrap": self.env._("Scrap order"),
            "adjustment": self.env._("Inventory adjustment"),
            "assignment": self.env._("Lot assignment run"),
        }.get(self.event_type, self.env._("Stock move"))

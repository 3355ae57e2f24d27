# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.3.0: the events and customer shipments of a recall are views.

Before, each trace stored one row per event and per customer row. Now each
affected lot keeps the ids of its traced lines (``traced_line_ids``), its
number of events and its quantity shipped to customers, and the views
``stock_recall_event`` and ``stock_recall_shipment`` read the lines back.
This fills the new columns of every affected lot from the stored rows,
moves the notices of the notified rows to ``stock_recall_notice`` (its
name since 19.0.1.7.0: this runs after the update, which creates the
table under the name the code gives it now),
drops the two tables and creates the views in their place, then stores
each recall's numbers of shipments and customers. Running it again changes
nothing (the tables are gone, the numbers are the same).
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import TableKind, table_kind

_logger = logging.getLogger("odoo.addons.stock_lot_traceability.migrations")


def _migrate_events(cr):
    cr.execute(
        SQL(
            """
            UPDATE stock_recall_lot rl
               SET traced_line_ids = e.line_ids, event_count = e.events
              FROM (SELECT recall_id, lot_id,
                           ARRAY_AGG(DISTINCT move_line_id) AS line_ids,
                           COUNT(*) AS events
                      FROM stock_recall_event
                     GROUP BY recall_id, lot_id) e
             WHERE e.recall_id = rl.recall_id AND e.lot_id = rl.lot_id
            """
        )
    )
    _logger.info("stock_lot_traceability: traced lines kept on %s lots", cr.rowcount)
    cr.execute(SQL("DROP TABLE stock_recall_event CASCADE"))


def _migrate_shipments(cr):
    cr.execute(
        SQL(
            """
            UPDATE stock_recall_lot rl
               SET qty_customer_shipped = s.shipped
              FROM (SELECT recall_id, lot_id, SUM(product_qty) AS shipped
                      FROM stock_recall_shipment
                     WHERE COALESCE(kind, 'shipment') = 'shipment'
                     GROUP BY recall_id, lot_id) s
             WHERE s.recall_id = rl.recall_id AND s.lot_id = rl.lot_id;
            INSERT INTO stock_recall_notice
                   (recall_id, move_line_id, kind, notified_date, message_id)
            SELECT DISTINCT ON (recall_id, move_line_id, COALESCE(kind, 'shipment'))
                   recall_id, move_line_id, COALESCE(kind, 'shipment'),
                   notified_date, notification_message_id
              FROM stock_recall_shipment
             WHERE notified
             ORDER BY recall_id, move_line_id, COALESCE(kind, 'shipment'),
                      notified_date DESC NULLS LAST
            ON CONFLICT DO NOTHING
            """
        )
    )
    _logger.info("stock_lot_traceability: %s notices kept", cr.rowcount)
    cr.execute(SQL("DROP TABLE stock_recall_shipment CASCADE"))


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE stock_recall_lot SET event_count = COALESCE(event_count, 0),"
            " qty_customer_shipped = COALESCE(qty_customer_shipped, 0)"
        )
    )
    if table_kind(cr, "stock_recall_event") == TableKind.Regular:
        _migrate_events(cr)
    if table_kind(cr, "stock_recall_shipment") == TableKind.Regular:
        _migrate_shipments(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["stock.recall.event"].init()
    env["stock.recall.shipment"].init()
    _count_customers(cr)


def _count_customers(cr):
    """The recall's numbers of customer shipments and customers, stored now
    (written by each trace)."""
    cr.execute(
        SQL(
            """
            UPDATE stock_recall r
               SET shipment_count = COALESCE(s.shipments, 0),
                   customer_count = COALESCE(s.customers, 0)
              FROM stock_recall rr
              LEFT JOIN (
                   SELECT recall_id, COUNT(*) AS shipments,
                          COUNT(DISTINCT COALESCE(partner_id, 0)) AS customers
                     FROM stock_recall_shipment
                    WHERE kind = 'shipment'
                    GROUP BY recall_id) s ON s.recall_id = rr.id
             WHERE rr.id = r.id
            """
        )
    )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.2.0: the notice of each customer shipment row of a recall.

Before, a notified row only had ``notified``. The notice the old code sent
to a customer was a comment on the recall addressed to that customer alone:
this links each notified row to the last such message and dates it with
the message (or, without one, with the recall's ``date_notified``). Rows
already linked are left alone; running it again changes nothing.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger("odoo.addons.stock_lot_traceability.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            WITH notices AS (
                SELECT s.id AS row_id, (
                       SELECT m.id
                         FROM mail_message m
                         JOIN mail_message_res_partner_rel rel
                           ON rel.mail_message_id = m.id
                        WHERE m.model = 'stock.recall' AND m.res_id = s.recall_id
                          AND m.message_type = 'comment'
                        GROUP BY m.id
                       HAVING array_agg(rel.res_partner_id) = ARRAY[s.partner_id]
                        ORDER BY m.id DESC
                        LIMIT 1) AS message_id
                  FROM stock_recall_shipment s
                 WHERE s.notified AND s.notification_message_id IS NULL
            )
            UPDATE stock_recall_shipment s
               SET notification_message_id = n.message_id,
                   notified_date = COALESCE(m.date, r.date_notified)
              FROM notices n
              JOIN stock_recall r ON TRUE
              LEFT JOIN mail_message m ON m.id = n.message_id
             WHERE n.row_id = s.id AND r.id = s.recall_id
            """
        )
    )
    _logger.info(
        "stock_lot_traceability %s: notice recorded on %s notified recall "
        "shipment rows",
        version,
        cr.rowcount,
    )

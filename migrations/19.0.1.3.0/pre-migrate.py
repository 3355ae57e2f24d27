# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.3.0, before the update.

The company and the product of an affected lot are no longer stored (they
are the recall's and the lot's): their columns go.

The stored customer shipments become a view (see post-migrate). Their table
stays until the post-migration, which reads it; the migrations of the
releases in between (19.0.1.2.0 links each notified row to its notice)
still update it, so it gets the notice columns that the ORM no longer adds
to it."""

from odoo.tools import SQL
from odoo.tools.sql import TableKind, table_kind


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            ALTER TABLE stock_recall_lot
                DROP COLUMN IF EXISTS company_id,
                DROP COLUMN IF EXISTS product_id
            """
        )
    )
    if table_kind(cr, "stock_recall_shipment") != TableKind.Regular:
        return
    cr.execute(
        SQL(
            """
            ALTER TABLE stock_recall_shipment
                ADD COLUMN IF NOT EXISTS kind varchar,
                ADD COLUMN IF NOT EXISTS notified_date timestamp,
                ADD COLUMN IF NOT EXISTS notification_message_id int4
            """
        )
    )

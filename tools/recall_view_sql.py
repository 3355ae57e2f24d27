# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SQL of the views that serve a stored recall's events and customer
shipments (``stock_recall_event``, ``stock_recall_shipment``).

They read the lines of every stored trace back (the ids kept on each
affected lot, :func:`snapshot_lines_sql`) through the same
:func:`.recall_trace_sql.event_lines_query` and
:func:`.recall_trace_sql.customer_lines_query` as the trace statement, so
they show exactly the lines the trace saw, classified as it classified them.
"""

from odoo.tools import SQL

from . import trace_engine
from .recall_trace_sql import (
    customer_lines_query,
    customer_lots_condition,
    event_lines_query,
    input_lot_codes_sql,
)


def snapshot_lines_sql():
    """The lines of every stored trace: the ids kept on each affected lot
    (``stock_recall_lot.traced_line_ids``), read back by primary key, with
    the columns of :data:`.trace_engine.LINE_COLUMNS` and the recall
    (``recall_id``), the affected lot (``recall_lot_id``) and its
    ``direction``, and the subcontracting locations when the recall was
    traced (``subcontract_location_ids``)."""
    return SQL(
        """
        SELECT rl.recall_id, rl.id AS recall_lot_id, rl.direction,
               r.subcontract_location_ids, %(columns)s
          FROM stock_recall_lot rl
          JOIN stock_recall r ON r.id = rl.recall_id
         CROSS JOIN LATERAL unnest(rl.traced_line_ids) AS traced(line_id)
          JOIN stock_move_line ml ON ml.id = traced.line_id
        """,
        columns=trace_engine.LINE_COLUMNS,
    )


def snapshot_events_sql():
    """The events of every stored trace (:func:`snapshot_lines_sql`),
    classified with the subcontracting locations of the trace."""
    return event_lines_query(
        snapshot_lines_sql(),
        SQL("ml.recall_id, ml.recall_lot_id, ml.direction,"),
        view=True,
        subcontract_locations=SQL("ml.subcontract_location_ids"),
    )


def event_view_query():
    """The ``stock_recall_event`` view: every event of the traced lines of
    every recall. The id is unique across recalls and stable across reads
    (recall, line, event of the line); it stays below 2**53 (a JavaScript
    number) for the first two million recalls."""
    return SQL(
        """
        SELECT (l.recall_id::bigint << 32) + l.id::bigint * 2 + l.event_index - 1
                   AS id,
               l.recall_id, l.recall_lot_id, l.id AS move_line_id, l.lot_id,
               l.product_id,
               l.event_type::varchar AS event_type, l.date,
               l.quantity, l.qty AS product_qty, l.partner_id,
               l.reference::varchar AS reference,
               %(input_lot_codes)s::varchar AS input_lot_codes
          FROM (%(events)s) l
        """,
        input_lot_codes=input_lot_codes_sql(),
        events=snapshot_events_sql(),
    )


# The delivery states of a customer notice, the least delivered first: a
# notice to several recipients is as delivered as its least delivered
# recipient, a customer's notices as their least delivered one.
NOTICE_STATES = ("bounced", "failed", "unknown", "queued", "sent")
# The notices Notify offers again, as if never sent.
NOTICE_RESEND_STATES = ("bounced", "failed")


def notice_delivery_sql(message_id):
    """The delivery of the notice (``mail.message``) ``message_id``, as Odoo's
    mail tracking records it, in one row: ``state`` (one of
    :data:`NOTICE_STATES`), ``failure_type`` and ``failure_reason``, from
    its least delivered recipient; no row when the message has no
    ``mail.notification`` (deleted message, or a notice of an old release).

    Per recipient, ``mail.notification`` says whether the mail server took
    the email (``sent``), whether it failed (``exception``, ``canceled``)
    or came back (``bounce``); while it says ``ready``, the ``mail.mail``
    says whether it is still waiting in the queue (``outgoing``, also after
    a Retry of a failed email), failed or was cancelled. A ``ready``
    notification without its email (deleted from the queue) never leaves.
    The reason of a connection failure is kept on the email only."""
    return SQL(
        """
        SELECT d.state, d.failure_type, d.failure_reason
          FROM (
                SELECT CASE
                         WHEN mn.notification_status = 'bounce' THEN 'bounced'
                         WHEN mn.notification_status IN ('sent', 'pending')
                              THEN 'sent'
                         WHEN mn.notification_status = 'canceled' THEN 'failed'
                         WHEN mm.state = 'outgoing' THEN 'queued'
                         WHEN mm.state IN ('sent', 'received') THEN 'sent'
                         ELSE 'failed'
                       END AS state,
                       CASE WHEN mm.id IS NULL
                             AND mn.notification_status IN ('ready', 'process')
                            THEN 'unknown'
                            ELSE mn.failure_type END AS failure_type,
                       COALESCE(NULLIF(mn.failure_reason, ''), mm.failure_reason)
                           AS failure_reason,
                       mn.id
                  FROM mail_notification mn
                  LEFT JOIN mail_mail mm ON mm.id = mn.mail_mail_id
                 WHERE mn.mail_message_id = %(message_id)s
               ) d
         ORDER BY array_position(%(states)s::varchar[], d.state::varchar), d.id
         LIMIT 1
        """,
        message_id=message_id,
        states=list(NOTICE_STATES),
    )


def shipment_view_query():
    """The ``stock_recall_shipment`` view: the customer rows of the traced
    lines of every recall (:func:`customer_lines_query`, lots not
    upstream), with the notice recorded for each in
    ``stock_recall_notice`` (the only state a row has) and its
    delivery (:func:`notice_delivery_sql`; ``unknown`` without a record),
    and the customer named by a sale document that the trace kept for the
    line (``stock_recall_line_customer``, see
    :func:`.recall_trace_sql.named_customers_query`)."""
    return SQL(
        """
        SELECT (c.recall_id::bigint << 32) + c.id::bigint * 2 AS id,
               c.recall_id, c.recall_lot_id, c.id AS move_line_id,
               c.kind::varchar AS kind, c.product_id,
               c.partner_id, c.date, c.lot_id, c.quantity, c.qty AS product_qty,
               n.id IS NOT NULL AS notified, n.notified_date,
               n.message_id AS notice_message_id,
               CASE WHEN n.id IS NOT NULL THEN COALESCE(d.state, 'unknown') END
                   ::varchar AS delivery_state,
               d.failure_type::varchar AS delivery_failure_type,
               d.failure_reason::text AS delivery_failure_reason
          FROM (%(customer_lines)s) c
          LEFT JOIN stock_recall_notice n
            ON n.recall_id = c.recall_id AND n.move_line_id = c.id
           AND n.kind = c.kind
          LEFT JOIN LATERAL (%(delivery)s) d ON TRUE
        """,
        delivery=notice_delivery_sql(SQL("n.message_id")),
        customer_lines=customer_lines_query(
            SQL("(%s)", snapshot_events_sql()),
            SQL(
                # implied by the customer filter, on the locations only: the
                # view leaves the lines of other locations out before their
                # move is read (not in the trace statement, whose planner
                # would then expect a handful of customer rows)
                "%s AND 'customer' IN (l.src_usage, l.dst_usage)",
                customer_lots_condition(),
            ),
            SQL(
                "LEFT JOIN stock_recall_line_customer nc"
                " ON nc.recall_id = l.recall_id AND nc.move_line_id = l.id"
            ),
            SQL("l.recall_id, l.recall_lot_id, l.product_id,"),
        ),
    )

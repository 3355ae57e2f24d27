# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools
import logging

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.orm.domains import DomainCondition
from odoo.tools import SQL, OrderedSet
from odoo.tools.sql import TableKind, drop_view_if_exists, table_kind

_logger = logging.getLogger(__name__)

# Up to this many ids, reading rows by id goes through their affected lots
# and move lines (see ``_with_id_keys``); above, through their recalls.
ID_KEYS_MAX = 200


class StockRecallLineMixin(models.AbstractModel):
    """A row of a recall trace for one done move line of an affected lot
    (events, customer shipments): an SQL view over the lines that the trace
    kept on its affected lots (``stock_recall_lot.traced_line_ids``, see
    :mod:`.recall_view_sql`), so read-only."""

    _name = "stock.recall.line.mixin"
    _description = "Recall Move Line Row"

    recall_id = fields.Many2one("stock.recall", readonly=True)
    company_id = fields.Many2one(related="recall_id.company_id")
    move_line_id = fields.Many2one("stock.move.line", string="Move Line", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", readonly=True)
    # the stored affected lot whose traced lines hold the row's move line
    recall_lot_id = fields.Many2one("stock.recall.lot", readonly=True)

    def _as_query(self, ordered=True):
        """Reading rows by id: also filter on what their ids are made of
        (:meth:`_id_keys_domain`)."""
        query = super()._as_query(ordered)
        keys = self._id_keys_domain(self._ids)
        if not keys.is_true():
            query.add_where(keys.optimize_full(self)._to_sql(self, self._table, query))
        return query

    # the column of stock_recall holding the ids of the model's rows in
    # their order, written by the trace statement (see _get_traced_rows)
    _recall_row_ids_column = None

    def search_fetch(self, domain, field_names=None, offset=0, limit=None, order=None):
        """A page of rows (the lists, ``web_search_read``): its ids first,
        sorted on the view's few columns of the order, then its rows by id
        (:meth:`_search`); in one query, PostgreSQL would build every column
        of every row of the recall before keeping the page. The rows of
        whole recalls in the model's order (a recall's tabs, its lists of
        events and shipments): :meth:`_get_traced_rows`."""
        if not order or order == self._order:
            records = self._get_traced_rows(domain)
            if records is not None:
                records = records[offset : offset + limit if limit else None]
                if field_names and field_names != ["recall_id"]:
                    records.fetch(field_names)
                return records
        if not limit or limit > ID_KEYS_MAX or field_names == []:
            return super().search_fetch(domain, field_names, offset, limit, order)
        records = super().search_fetch(domain, [], offset, limit, order)
        records.fetch(field_names)
        return records

    @api.model
    def search_count(self, domain, limit=None):
        """The rows of whole recalls counted from :meth:`_get_traced_rows`."""
        records = self._get_traced_rows(domain)
        if records is None:
            return super().search_count(domain, limit=limit)
        return min(len(records), limit) if limit else len(records)

    def _get_traced_rows(self, domain):
        """The rows of ``domain`` when it is ``recall_id in ids`` or
        ``recall_id = id`` (what the recall's one2many tabs read: every id,
        the web client pages them; the lists of a recall's events and
        shipments, a page and the count), in the model's order, from the
        ids the trace statement stored on each recall
        (:func:`.recall_trace_sql.row_ids_sql`), with their
        recall in cache; ``None`` when a recall has none stored (traced by
        an older release). Through the view, every traced line of the
        recall would be read and classified to list ids only. The rows are
        those of the trace: the view reads the same stored lines; the
        order is the one of the trace (a customer renamed since keeps its
        place). Access rules apply to the rows as a search applies them."""
        domain = Domain(domain)
        if (
            not self._recall_row_ids_column
            or not isinstance(domain, DomainCondition)
            or domain.field_expr != "recall_id"
            or domain.operator not in ("in", "=")
        ):
            return None
        recall_ids = [domain.value] if domain.operator == "=" else domain.value
        if not isinstance(recall_ids, list | tuple | set | frozenset | OrderedSet):
            return None  # a subquery
        recall_ids = set(recall_ids)
        if not all(isinstance(id_, int) and id_ > 0 for id_ in recall_ids):
            return None
        self.check_access("read")
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM stock_recall WHERE id = ANY(%s) ORDER BY id DESC",
                SQL.identifier(self._recall_row_ids_column),
                sorted(recall_ids),
            )
        )
        if len(rows) != len(recall_ids) or any(ids is None for _r, ids in rows):
            return None
        records = self.browse([id_ for _recall, ids in rows for id_ in ids])
        self._fields["recall_id"]._insert_cache(
            records, [recall for recall, ids in rows for _id in ids]
        )
        return records._filtered_access("read")

    def _check_access(self, operation):
        """Reading rows: the record rules are checked on their recalls (a row
        id holds its recall, see :meth:`_id_keys_domain`) when they are
        conditions on the row's recall only (the add-on's multi-company
        rules), instead of reading and testing every row (the tabs and lists
        of a recall hold tens of thousands)."""
        ids = self._ids
        if (
            operation != "read"
            or self.env.su
            or not ids
            or not all(isinstance(id_, int) for id_ in ids)
            or not self.env["ir.model.access"].check(
                self._name, operation, raise_exception=False
            )
        ):
            return super()._check_access(operation)
        allowed = self._get_readable_recalls({id_ >> 32 for id_ in ids})
        if allowed is None:
            return super()._check_access(operation)
        forbidden = self.browse([id_ for id_ in ids if id_ >> 32 not in allowed])
        if not forbidden:
            return None
        return forbidden, functools.partial(
            self.env["ir.rule"]._make_access_error, operation, forbidden
        )

    @api.model
    def _get_readable_recalls(self, recall_ids):
        """The ids among ``recall_ids`` of the recalls whose rows the user
        may read, when the model's record rules are conditions on the row's
        recall only; ``None`` otherwise."""
        rule = self.env["ir.rule"]._compute_domain(self._name, "read")
        if rule.is_true():
            return set(recall_ids)

        def on_recall(condition):
            if condition.field_expr == "recall_id" and condition.operator in (
                "any",
                "any!",
            ):
                return Domain(condition.value)
            if condition.field_expr.startswith("recall_id."):
                return Domain(
                    condition.field_expr.split(".", 1)[1],
                    condition.operator,
                    condition.value,
                )
            raise ValueError(condition)

        try:
            recall_domain = rule.map_conditions(on_recall)
        except ValueError:
            return None
        # as Odoo checks the rules of records (_check_access): as superuser
        recalls = (
            self.env["stock.recall"]
            .sudo()
            .with_context(active_test=False)
            .search(Domain("id", "in", list(recall_ids)) & recall_domain)
        )
        return set(recalls.ids)

    def _search(self, domain, *args, **kwargs):
        """Searching rows by id (what ``read``, ``fetch`` and the web client's
        ``web_read`` do): each ``id`` condition also filters on what its ids
        are made of (:meth:`_id_keys_domain`)."""
        return super()._search(
            Domain(domain).map_conditions(self._with_id_keys), *args, **kwargs
        )

    def _with_id_keys(self, condition):
        """``condition``, and when it is ``id in ids`` or ``id = id``, the
        conditions its ids imply (:meth:`_id_keys_domain`): the same rows,
        also under a negation."""
        if condition.field_expr != "id" or condition.operator not in ("in", "="):
            return condition
        value = condition.value
        values = [value] if condition.operator == "=" else value
        if not isinstance(values, list | tuple | set | frozenset | OrderedSet):
            return condition  # a subquery
        return condition & self._id_keys_domain(values)

    def _id_keys_domain(self, ids):
        """What the rows of ``ids`` are made of, as conditions PostgreSQL
        applies to the stored affected lots and their line ids before it
        reads and classifies the lines; the view's computed ``id`` alone
        would make it read every line of every trace to compare ids. A row
        id is its recall, its move line and its event of the line
        (:func:`.recall_view_sql.event_view_query`): up to
        :data:`ID_KEYS_MAX` ids, their affected lots and move lines; above
        (every row of a recall), their recalls only, as matching each line
        against a long list costs more than reading the whole recall."""
        if not ids or not all(isinstance(id_, int) and id_ > 0 for id_ in ids):
            return Domain.TRUE
        recalls = sorted({id_ >> 32 for id_ in ids})
        if len(ids) > ID_KEYS_MAX:
            return Domain("recall_id", "in", recalls)
        lines = sorted({(id_ & 0xFFFFFFFF) >> 1 for id_ in ids})
        return Domain(
            "recall_lot_id", "in", self._get_recall_lots(recalls, lines)
        ) & Domain("move_line_id", "in", lines)

    @api.model
    def _get_recall_lots(self, recalls, lines):
        """Ids of the affected lots of ``recalls`` whose traced lines include
        one of ``lines``: through the lot of each line (a line is traced on
        its lot), then, for lines not found that way (their lot changed
        since the trace), through the traced lines of every affected lot of
        the recalls."""
        self.env["stock.recall.lot"].flush_model(["recall_id", "lot_id"])
        self.env["stock.move.line"].flush_model(["lot_id"])
        found = self.env.execute_query(
            SQL(
                """
                SELECT rl.id, ml.id
                  FROM stock_move_line ml
                  JOIN stock_recall_lot rl
                    ON rl.lot_id = ml.lot_id AND ml.id = ANY(rl.traced_line_ids)
                 WHERE ml.id = ANY(%s) AND rl.recall_id = ANY(%s)
                """,
                lines,
                recalls,
            )
        )
        recall_lots = {recall_lot for recall_lot, _line in found}
        missing = set(lines) - {line for _recall_lot, line in found}
        if missing:
            recall_lots.update(
                recall_lot
                for (recall_lot,) in self.env.execute_query(
                    SQL(
                        """
                        SELECT rl.id FROM stock_recall_lot rl
                         WHERE rl.recall_id = ANY(%s)
                           AND rl.traced_line_ids && %s::int[]
                        """,
                        recalls,
                        sorted(missing),
                    )
                )
            )
        return sorted(recall_lots)

    def _view_query(self):
        """The ``SELECT`` of the model's view (``odoo.tools.SQL``)."""
        raise NotImplementedError

    def _create_view(self):
        """(Re)create the view of the model (its ``init()``)."""
        if table_kind(self.env.cr, self._table) == TableKind.Regular:
            # the stored table of a release before 19.0.1.3.0: its
            # migration keeps what the table holds, drops it and calls this
            _logger.info("%s is still a table: its view comes later", self._table)
            return
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )

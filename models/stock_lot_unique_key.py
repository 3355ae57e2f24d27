# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: the uniqueness key of a lot (A1), its format defined once in
``lot_naming.KEY_FORMATS``: its computation (ORM, install, migration), its
scope, the checks before the unique index refuses a duplicate, and the
settings changes (``stock_lot_unique_index``: the index itself)."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..exceptions import TraceabilityValidationError
from . import lot_naming


class StockLot(models.Model):
    _inherit = "stock.lot"

    traceability_name_key = fields.Char(
        string="Normalised Name",
        compute="_compute_traceability_keys",
        store=True,
        index=True,
        readonly=True,
        copy=False,
        help="The name as compared by the uniqueness rule: trimmed, lower-case.",
    )
    traceability_unique_key = fields.Char(
        string="Uniqueness Key",
        compute="_compute_traceability_keys",
        store=True,
        readonly=True,
        copy=False,
        help="Unique in the database: the normalised name within the scope of "
        "the company's serial uniqueness setting. Empty when strict "
        "traceability is off.",
    )

    def _auto_init(self):
        cr = self.env.cr
        if not column_exists(cr, "stock_lot", "traceability_unique_key"):
            create_column(cr, "stock_lot", "traceability_name_key", "varchar")
            create_column(cr, "stock_lot", "traceability_unique_key", "varchar")
            self._traceability_install_keys(SQL("TRUE"))
        return super()._auto_init()

    @api.model
    def _traceability_install_keys(self, condition):
        """Fill the key columns of the lots matching ``condition`` (SQL on
        the alias ``lot``) at install, without the ORM: computing them
        through the ORM would load every lot of a large database. The new
        company setting starts at "per product" everywhere, so the key is
        per product."""
        self._traceability_fill_name_keys(condition)
        self.env.execute_query(
            SQL(
                "UPDATE stock_lot lot SET traceability_unique_key = %s WHERE %s",
                lot_naming.unique_key_sql(
                    "product",
                    SQL("lot.traceability_name_key"),
                    SQL("lot.company_id"),
                    SQL("lot.product_id"),
                ),
                condition,
            )
        )

    @api.model
    def _traceability_fill_name_keys(self, condition):
        """Set ``traceability_name_key`` of the lots matching ``condition``
        (SQL on the alias ``lot``) to ``lot_naming.name_key`` of their name,
        without the ORM (install, migration): in SQL, except for the names
        PostgreSQL may not normalise as Python does
        (``lot_naming.sql_unsafe_name``: tabs, line breaks, non-ASCII,
        blank), which are normalised in Python. Else duplicates appear, or
        hide, at the first recompute. Returns the number of lots given a key.
        """
        unsafe = lot_naming.sql_unsafe_name(SQL("lot.name"))
        self.env.cr.execute(
            SQL(
                "UPDATE stock_lot lot SET traceability_name_key = %s "
                "WHERE %s AND NOT %s",
                lot_naming.name_key_sql(SQL("lot.name")),
                condition,
                unsafe,
            )
        )
        count = self.env.cr.rowcount
        rows = self.env.execute_query(
            SQL(
                "SELECT lot.id, lot.name FROM stock_lot lot WHERE %s AND %s",
                condition,
                unsafe,
            )
        )
        keys = {lot_id: lot_naming.name_key(name) for lot_id, name in rows}
        values = [SQL("(%s, %s)", lot_id, key) for lot_id, key in keys.items() if key]
        if values:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE stock_lot lot
                       SET traceability_name_key = v.name_key
                      FROM (VALUES %s) AS v(id, name_key)
                     WHERE lot.id = v.id
                    """,
                    SQL(", ").join(values),
                )
            )
        return count + len(values)

    @api.depends(
        "name",
        "product_id.tracking",
        "company_id.strict_traceability",
        "company_id.serial_uniqueness_scope",
    )
    def _compute_traceability_keys(self):
        for lot in self:
            name_key = lot._traceability_normalise(lot.name)
            lot.traceability_name_key = name_key or False
            lot.traceability_unique_key = lot._traceability_build_key(name_key)

    @api.constrains("name", "product_id", "company_id")
    def _check_traceability_unique(self):
        """Clear error for duplicates in the scope, before the unique index
        fires at flush; also covers the lots of companies using another scope,
        which the index (one key per lot) cannot compare."""
        lots = self.filtered("traceability_unique_key")
        if not lots:
            return
        # Raw SQL without flush: flushing would send pending key updates and
        # turn a duplicate into a bare unique violation.
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.id, lot.name, lot.company_id, lot.product_id,
                       tmpl.tracking, lot.traceability_name_key
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                 WHERE lot.traceability_name_key = ANY(%s)
                   AND lot.id != ALL(%s)
                """,
                list(set(lots.mapped("traceability_name_key"))),
                lots.ids,
            )
        )
        others = [
            {
                "name": name,
                "company": self.env["res.company"].browse(company_id),
                "product": self.env["product.product"].browse(product_id),
                "tracking": tracking,
                "key": name_key,
            }
            for _id, name, company_id, product_id, tracking, name_key in rows
        ]
        infos = {lot: lot._traceability_key_info() for lot in lots}
        by_key = defaultdict(list)
        for info in others + list(infos.values()):
            by_key[info["key"]].append(info)
        errors = []
        for lot, mine in infos.items():
            clashes = [
                other
                for other in by_key[mine["key"]]
                if other is not mine and self._traceability_keys_clash(mine, other)
            ]
            errors += [
                self.env._(
                    "- %(product)s, %(name)s: already used by %(other)s "
                    "(%(other_name)s)",
                    product=lot.product_id.display_name,
                    name=lot.name,
                    other=other["product"].sudo().display_name,
                    other_name=other["name"],
                )
                for other in clashes[:1]
            ]
        if errors:
            raise TraceabilityValidationError(
                self.env._(
                    "Lot/serial numbers must be unique (compared without surrounding "
                    "spaces and case, in the scope set in Inventory › Settings):\n"
                    "%(lines)s",
                    lines="\n".join(errors),
                )
            )

    # --- serial uniqueness scope (A1) ---------------------------------

    @api.model
    def _traceability_normalise(self, name):
        return lot_naming.name_key(name)

    @api.model
    def _traceability_scope_of(self, company, tracking):
        """Uniqueness scope of a lot of ``company`` with ``tracking``: the
        company's setting for serial numbers; lots are always unique per
        product. Lots without a company (products shared between companies)
        follow the current company."""
        return lot_naming.uniqueness_scope(
            tracking, (company or self.env.company).serial_uniqueness_scope
        )

    def _traceability_build_key(self, name_key):
        self.ensure_one()
        if not (
            name_key
            and self.product_id
            and self.env["res.company"]._traceability_strict(self.company_id)
        ):
            return False
        scope = self._traceability_scope_of(self.company_id, self.product_id.tracking)
        return lot_naming.unique_key(
            scope, name_key, self.company_id.id, self.product_id.id
        )

    def _traceability_key_info(self):
        self.ensure_one()
        return {
            "name": self.name,
            "company": self.company_id,
            "product": self.product_id,
            "tracking": self.product_id.tracking,
            "key": self.traceability_name_key,
        }

    @api.model
    def _traceability_keys_clash(self, mine, other):
        """Whether two lots with the same normalised name break the scope of
        either one (a company's scope is its promise to its users)."""
        return self._traceability_scope_breaks(mine, other) or bool(
            other["company"]._traceability_strict_companies()
            and self._traceability_scope_breaks(other, mine)
        )

    @api.model
    def _traceability_scope_breaks(self, first, second):
        scope = self._traceability_scope_of(first["company"], first["tracking"])
        same_company = (
            not first["company"]
            or not second["company"]
            or first["company"] == second["company"]
        )
        if scope == "product":
            return first["product"] == second["product"] and same_company
        if second["tracking"] != "serial":
            return False
        return scope == "global" or same_company

    @api.model
    def _traceability_check_scope_change(self, companies, scope):
        """Refuse a scope that the existing serial numbers already break."""
        if scope == "product":
            return
        company_ids = companies.ids
        if scope == "global":
            company_ids = (
                self.env["res.company"]
                .sudo()
                .search([("serial_uniqueness_scope", "=", "global")])
                .ids
                + company_ids
            )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.traceability_name_key, array_agg(lot.name ORDER BY lot.id)
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                 WHERE tmpl.tracking = 'serial'
                   AND (lot.company_id = ANY(%s) OR lot.company_id IS NULL)
                 GROUP BY lot.traceability_name_key, %s
                HAVING count(*) > 1
                 LIMIT 20
                """,
                company_ids,
                SQL("1") if scope == "global" else SQL("COALESCE(lot.company_id, 0)"),
            )
        )
        if rows:
            raise TraceabilityValidationError(
                self.env._(
                    "These serial numbers are used several times and would break "
                    "the new uniqueness scope; rename them first:\n%(lines)s",
                    lines="\n".join(f"- {', '.join(names)}" for _key, names in rows),
                )
            )

    @api.model
    def _traceability_recompute_keys(self, companies):
        """Recompute the keys after a settings change of ``companies``."""
        for company in companies:
            lots = (
                self.sudo()
                .search([("company_id", "in", [company.id, False])])
                .with_company(company)
            )
            self.env.add_to_compute(self._fields["traceability_name_key"], lots)
            self.env.add_to_compute(self._fields["traceability_unique_key"], lots)
            lots._recompute_recordset(
                ["traceability_name_key", "traceability_unique_key"]
            )
            lots._traceability_check_new_keys()

    def _traceability_check_new_keys(self):
        """New keys of these lots (computed, not yet flushed) that the unique
        index would refuse: one error listing them, instead of the index's
        bare message at flush. Without the index (duplicates made before the
        add-on) nothing is refused here; the health check lists them."""
        if not self._traceability_unique_index_exists():
            return
        by_key = defaultdict(list)
        for lot in self.filtered("traceability_unique_key"):
            by_key[lot.traceability_unique_key].append(lot.name)
        rows = self.env.execute_query(
            SQL(
                "SELECT traceability_unique_key, name FROM stock_lot "
                "WHERE traceability_unique_key = ANY(%s) AND id != ALL(%s)",
                list(by_key),
                self.ids,
            )
        )
        for key, name in rows:
            by_key[key].append(name)
        groups = [names for names in by_key.values() if len(names) > 1]
        if groups:
            raise TraceabilityValidationError(
                self.env._(
                    "With this setting these lots/serial numbers would share a "
                    "name (spaces and case ignored) in their uniqueness scope; "
                    "correct their names first:\n%(lines)s",
                    lines="\n".join(
                        f"- {', '.join(repr(name) for name in names)}"
                        for names in groups[:20]
                    ),
                )
            )

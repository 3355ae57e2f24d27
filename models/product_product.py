# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import quantity_format


class ProductProduct(models.Model):
    _inherit = "product.product"

    untracked_qty = fields.Float(
        string="Untracked Stock",
        compute="_compute_untracked_qty",
        search="_search_untracked_qty",
        digits="Product Unit",
        help="Quantity on hand in internal locations without a lot/serial "
        "number although the product is tracked.",
    )
    has_untracked_stock = fields.Boolean(
        compute="_compute_untracked_qty", search="_search_has_untracked_stock"
    )

    @api.depends("tracking", "stock_quant_ids.quantity", "stock_quant_ids.lot_id")
    def _compute_untracked_qty(self):
        qty_by_product = self._get_untracked_qty_by_product(self.ids, tracked_only=True)
        for product in self:
            product.untracked_qty = qty_by_product.get(product.id, 0.0)
            product.has_untracked_stock = product.id in qty_by_product

    def _search_untracked_qty(self, operator, value):
        if operator not in (">", ">=", "<", "<=", "=", "!="):
            return NotImplemented
        qty_by_product = self._get_untracked_qty_by_product(None, tracked_only=True)
        ops = {
            ">": lambda qty: qty > value,
            ">=": lambda qty: qty >= value,
            "<": lambda qty: qty < value,
            "<=": lambda qty: qty <= value,
            "=": lambda qty: qty == value,
            "!=": lambda qty: qty != value,
        }
        ids = [pid for pid, qty in qty_by_product.items() if ops[operator](qty)]
        if ops[operator](0.0):
            return [("id", "not in", list(set(qty_by_product) - set(ids)))]
        return [("id", "in", ids)]

    def _search_has_untracked_stock(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            return NotImplemented
        if operator in ("in", "not in"):
            positive = (True in value) == (operator == "in")
        else:
            positive = bool(value) == (operator == "=")
        ids = list(self._get_untracked_qty_by_product(None, tracked_only=True))
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _get_untracked_qty_by_product(self, product_ids=None, tracked_only=True):
        """{product id: untracked quantity on hand in internal locations of
        the allowed companies}, in one query; products with none are absent.

        :param product_ids: restrict to these products (None: all)
        :param tracked_only: only products tracked by lots or serials
        """
        if product_ids is not None and not product_ids:
            return {}
        self.env["stock.quant"].flush_model(
            ["product_id", "location_id", "lot_id", "quantity", "company_id"]
        )
        self.env["product.template"].flush_model(["tracking"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT q.product_id, SUM(q.quantity)
                  %s
                 GROUP BY q.product_id
                HAVING SUM(q.quantity) > 0
                """,
                self._untracked_quants_sql(product_ids, tracked_only),
            )
        )
        return {product_id: float(qty) for product_id, qty in rows}

    @api.model
    def _untracked_quants_sql(self, product_ids=None, tracked_only=True):
        """``FROM .. WHERE ..`` of the quants without lot/serial number in
        internal locations of the allowed companies (alias ``q``); shared by
        the untracked stock fields and the traceability health check."""
        conditions = [
            SQL("q.lot_id IS NULL"),
            SQL("l.usage = 'internal'"),
            SQL("q.company_id = ANY(%s)", self.env.companies.ids),
        ]
        if product_ids is not None:
            conditions.append(SQL("q.product_id = ANY(%s)", list(product_ids)))
        if tracked_only:
            conditions.append(SQL("t.tracking != 'none'"))
        return SQL(
            """
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
              JOIN product_product p ON p.id = q.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
             WHERE %s
            """,
            SQL(" AND ").join(conditions),
        )

    @api.onchange("tracking")
    def _onchange_tracking(self):
        res = super()._onchange_tracking()
        tracked = self.filtered(lambda p: p.tracking != "none")
        origin_ids = [product._origin.id for product in tracked if product._origin.id]
        untracked = self._get_untracked_qty_by_product(origin_ids, tracked_only=False)
        if not untracked:
            return res
        return {
            "warning": {
                "title": self.env._("Stock without lot/serial number"),
                "message": self.env._(
                    "%(qty)s of this product are on hand without a lot/serial "
                    "number. Save, then click the 'Untracked Stock' button to assign "
                    "lots/serial numbers to them retroactively (their history and "
                    "valuation are kept).",
                    qty=quantity_format.format_quantity(
                        self.env, sum(untracked.values()), self[:1].uom_id
                    ),
                ),
            }
        }

    def action_open_lot_assign(self):
        """Open the retroactive assignment wizard on these products."""
        return self.env["stock.lot.assign"]._get_action_for_products(self)

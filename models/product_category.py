# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ProductCategory(models.Model):
    _name = "product.category"
    _inherit = ["product.category", "stock.lot.format.mixin"]  # noqa: RUF012

    lot_name_pattern = fields.Char(
        help="Regular expression every lot/serial name of this category must "
        "match entirely, e.g. ^SN-[0-9]{6}$. Empty: no pattern. Sub-categories "
        "without a format of their own use this one.",
    )

    def _get_lot_name_format(self):
        """The lot/serial format of the category, or of its closest parent
        that defines one; ``None`` when no category in the chain has one."""
        self.ensure_one()
        category = self
        while category:
            if category._has_lot_name_format():
                return category._get_own_lot_name_format()
            category = category.parent_id
        return None

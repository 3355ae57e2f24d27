# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import api, fields, models

from ..exceptions import TraceabilityValidationError

LOT_FORMAT_FIELDS = (
    "lot_name_pattern",
    "lot_name_min_length",
    "lot_name_max_length",
    "lot_name_uppercase",
)


def check_lot_format_definition(records):
    """Shared by categories and products: the pattern compiles, bounds agree."""
    errors = []
    for record in records:
        if record.lot_name_pattern:
            try:
                re.compile(record.lot_name_pattern)
            except re.error as error:
                errors.append(
                    record.env._(
                        "%(record)s: the lot/serial pattern is not a valid regular "
                        "expression (%(error)s).",
                        record=record.display_name,
                        error=error,
                    )
                )
        if record.lot_name_min_length < 0 or record.lot_name_max_length < 0:
            errors.append(
                record.env._(
                    "%(record)s: lot/serial length bounds cannot be negative.",
                    record=record.display_name,
                )
            )
        if (
            record.lot_name_max_length
            and record.lot_name_min_length > record.lot_name_max_length
        ):
            errors.append(
                record.env._(
                    "%(record)s: the minimum lot/serial length is above the maximum.",
                    record=record.display_name,
                )
            )
    if errors:
        raise TraceabilityValidationError("\n".join(errors))


def get_lot_format(record):
    """The lot/serial format defined on ``record`` (category or product)."""
    return {
        "pattern": record.lot_name_pattern or False,
        "min_length": record.lot_name_min_length,
        "max_length": record.lot_name_max_length,
        "uppercase": record.lot_name_uppercase,
        "source": record,
    }


class ProductCategory(models.Model):
    _inherit = "product.category"

    lot_name_pattern = fields.Char(
        string="Lot/Serial Pattern",
        help="Regular expression every lot/serial name of this category must "
        "match entirely, e.g. ^SN-[0-9]{6}$. Empty: no pattern. Sub-categories "
        "without a format of their own use this one.",
    )
    lot_name_min_length = fields.Integer(
        string="Lot/Serial Min Length", help="0 means no minimum."
    )
    lot_name_max_length = fields.Integer(
        string="Lot/Serial Max Length", help="0 means no maximum."
    )
    lot_name_uppercase = fields.Boolean(
        string="Upper-case Lot/Serial",
        help="Lot/serial names are stored in upper case.",
    )

    @api.constrains(*LOT_FORMAT_FIELDS)
    def _check_lot_name_format_definition(self):
        check_lot_format_definition(self)

    def _has_lot_name_format(self):
        self.ensure_one()
        return bool(
            self.lot_name_pattern
            or self.lot_name_min_length
            or self.lot_name_max_length
            or self.lot_name_uppercase
        )

    def _get_lot_name_format(self):
        """The lot/serial format of the category, or of its closest parent
        that defines one; ``None`` when no category in the chain has one."""
        self.ensure_one()
        category = self
        while category:
            if category._has_lot_name_format():
                return get_lot_format(category)
            category = category.parent_id
        return None

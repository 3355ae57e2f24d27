# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import api, fields, models

from ..exceptions import TraceabilityValidationError


class LotFormatMixin(models.AbstractModel):
    """The lot/serial format (A4) a product category or a product defines:
    pattern, length bounds, upper case. Which one applies to a lot is the
    product's ``_get_lot_name_format``."""

    _name = "stock.lot.format.mixin"
    _description = "Lot/Serial Number Format"

    lot_name_pattern = fields.Char(
        string="Lot/Serial Pattern",
        help="Regular expression every lot/serial name must match entirely, "
        "e.g. ^SN-[0-9]{6}$. Empty: no pattern.",
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

    @api.constrains(
        "lot_name_pattern",
        "lot_name_min_length",
        "lot_name_max_length",
        "lot_name_uppercase",
    )
    def _check_lot_name_format_definition(self):
        """The pattern compiles, the bounds agree: one error for all records."""
        errors = []
        for record in self:
            errors += record._get_lot_format_definition_errors()
        if errors:
            raise TraceabilityValidationError("\n".join(errors))

    def _get_lot_format_definition_errors(self):
        self.ensure_one()
        errors = []
        if self.lot_name_pattern:
            try:
                re.compile(self.lot_name_pattern)
            except re.error as error:
                errors.append(
                    self.env._(
                        "%(record)s: the lot/serial pattern is not a valid regular "
                        "expression (%(error)s).",
                        record=self.display_name,
                        error=error,
                    )
                )
        if self.lot_name_min_length < 0 or self.lot_name_max_length < 0:
            errors.append(
                self.env._(
                    "%(record)s: lot/serial length bounds cannot be negative.",
                    record=self.display_name,
                )
            )
        if (
            self.lot_name_max_length
            and self.lot_name_min_length > self.lot_name_max_length
        ):
            errors.append(
                self.env._(
                    "%(record)s: the minimum lot/serial length is above the maximum.",
                    record=self.display_name,
                )
            )
        return errors

    def _has_lot_name_format(self):
        self.ensure_one()
        return bool(
            self.lot_name_pattern
            or self.lot_name_min_length
            or self.lot_name_max_length
            or self.lot_name_uppercase
        )

    def _get_own_lot_name_format(self):
        """The lot/serial format defined on this record itself."""
        self.ensure_one()
        return {
            "pattern": self.lot_name_pattern or False,
            "min_length": self.lot_name_min_length,
            "max_length": self.lot_name_max_length,
            "uppercase": self.lot_name_uppercase,
            "source": self,
        }

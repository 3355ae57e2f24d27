# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Validation of the rows of a retroactive assignment
(``stock.lot.assign.run``): one error naming every offending row."""

import re
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_compare, float_is_zero, float_round

from . import lot_assign_parsing

MAX_LISTED_ERRORS = 200
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class StockLotAssignRun(models.Model):
    _inherit = "stock.lot.assign.run"

    # ------------------------------------------------------------------
    # Validation: one error listing every offending row
    # ------------------------------------------------------------------

    @api.model
    def _raise_errors(self, errors):
        listed = errors[:MAX_LISTED_ERRORS]
        message = "\n".join(f"- {error}" for error in listed)
        if len(errors) > MAX_LISTED_ERRORS:
            message += "\n" + self.env._(
                "... and %(count)s more.", count=len(errors) - MAX_LISTED_ERRORS
            )
        raise UserError(
            self.env._(
                "Nothing was assigned; fix these rows and try again:\n%(lines)s",
                lines=message,
            )
        )

    @api.model
    def _row_error(self, row, reason):
        return self.env._(
            "Row %(row)s (%(value)s): %(reason)s",
            row=row.row,
            value=row.raw or row.lot_name or "",
            reason=reason,
        )

    @api.model
    def _check_rows(self, rows, options, untracked=None, trial_lots=False):
        """Raise one UserError listing every offending row.

        :param rows: [:class:`AssignRow`]
        :param options: :class:`AssignOptions` of the run
        :param untracked: {(product id, location id): untracked quantity};
            read from the quants when not given
        :param trial_lots: also create the lots in a rolled-back savepoint so
            that the lot/serial format rules (create constraints) speak now
        """
        if not rows:
            raise UserError(
                self.env._("There is no untracked stock to assign for these products.")
            )
        errors = [self._row_error(row, row.error) for row in rows if row.error]
        rows_ok = [row for row in rows if not row.error]
        errors += self._check_row_values(rows_ok)
        errors += self._check_row_serials(rows_ok, options.company)
        errors += self._check_row_totals(rows_ok, options, untracked)
        if not errors and trial_lots:
            errors += self._check_lot_creation(rows_ok, options)
        if errors:
            self._raise_errors(errors)

    @api.model
    def _check_row_values(self, rows):
        errors = []
        for row in rows:
            product, location, name = row.product, row.location, row.lot_name
            if not product:
                errors.append(self._row_error(row, self.env._("no product")))
            elif product.tracking == "none":
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "product %(product)s is not tracked by lots or serials",
                            product=product.display_name,
                        ),
                    )
                )
            if not location:
                errors.append(self._row_error(row, self.env._("no location")))
            elif location.usage != "internal":
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "%(location)s is not an internal location",
                            location=location.display_name,
                        ),
                    )
                )
            if not name:
                errors.append(
                    self._row_error(row, self.env._("empty lot/serial number"))
                )
            elif CONTROL_CHARS.search(name):
                errors.append(
                    self._row_error(
                        row,
                        self.env._("the lot/serial number contains control characters"),
                    )
                )
            if row.quantity <= 0:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "quantity %(qty)s must be positive", qty=row.quantity
                        ),
                    )
                )
            elif (
                product
                and product.tracking == "serial"
                and float_compare(row.quantity, 1.0, precision_digits=6)
            ):
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "a serial number holds exactly 1 unit, not %(qty)s",
                            qty=row.quantity,
                        ),
                    )
                )
        return errors

    @api.model
    def _check_row_serials(self, rows, company):
        """Duplicates between rows and collisions with existing serials."""
        errors = []
        seen = {}
        serial_rows = [
            row for row in rows if row.product and row.product.tracking == "serial"
        ]
        for row in serial_rows:
            key = row.lot_key
            if key in seen:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "duplicate serial number %(name)s (also on row %(other)s)",
                            name=row.lot_name,
                            other=seen[key],
                        ),
                    )
                )
            else:
                seen[key] = row.row
        existing = self._existing_lots({row.lot_name for row in serial_rows}, company)
        for row in serial_rows:
            lot = existing.get(row.lot_key)
            if lot:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "serial number %(name)s already exists for %(product)s",
                            name=row.lot_name,
                            product=row.product.display_name,
                        ),
                    )
                )
        return errors

    @api.model
    def _existing_lots(self, names, company):
        if not names:
            return {}
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                Domain("name", "in", list(names))
                & Domain("company_id", "in", [company.id, False])
            )
        )
        return {(lot.product_id.id, lot.name): lot for lot in lots}

    @api.model
    def _untracked_by_key(self, rows, company):
        quants = self._get_untracked_quants(
            self.env["product.product"].union(*(row.product for row in rows)),
            company,
            self.env["stock.location"].union(*(row.location for row in rows)),
        )
        untracked = defaultdict(float)
        for quant in quants:
            # Reservations are released (and redone on the lots) at apply.
            untracked[(quant.product_id.id, quant.location_id.id)] += quant.quantity
        return untracked

    @api.model
    def _check_row_totals(self, rows, options, untracked=None):
        rows = [row for row in rows if row.product and row.location]
        if not rows:
            return []
        if untracked is None:
            untracked = self._untracked_by_key(rows, options.company)
        assigned = defaultdict(float)
        row_numbers = defaultdict(list)
        records = {}
        for row in rows:
            key = row.key
            assigned[key] += row.quantity
            row_numbers[key].append(row.row)
            records.setdefault(key, (row.product, row.location))
        errors = []
        for key, qty in assigned.items():
            product, location = records[key]
            available = untracked.get(key, 0.0)
            cmp = product.uom_id.compare(qty, available)
            if cmp == 0 or (cmp < 0 and options.leave_rest_untracked):
                continue
            if float_is_zero(available, precision_digits=6):
                reason = self.env._(
                    "%(product)s has no untracked stock at %(location)s",
                    product=product.display_name,
                    location=location.display_name,
                )
            elif cmp > 0:
                reason = self.env._(
                    "%(qty)s assigned to %(product)s at %(location)s but only "
                    "%(available)s are untracked",
                    qty=qty,
                    product=product.display_name,
                    location=location.display_name,
                    available=available,
                )
            else:
                reason = self.env._(
                    "%(qty)s assigned to %(product)s at %(location)s leaves "
                    "%(rest)s of %(available)s untracked; assign it all or tick "
                    "'Leave the rest untracked'",
                    qty=qty,
                    product=product.display_name,
                    location=location.display_name,
                    rest=float_round(available - qty, precision_digits=6),
                    available=available,
                )
            errors.append(
                self.env._(
                    "Rows %(rows)s: %(reason)s",
                    rows=lot_assign_parsing.format_row_numbers(row_numbers[key]),
                    reason=reason,
                )
            )
        return errors

    @api.model
    def _check_lot_creation(self, rows, options):
        """Create the lots in a savepoint rolled back at once, so the lot
        format rules of the integrity rules run now (preview) rather than
        at apply."""
        vals_list = self._prepare_lot_vals_list(
            rows,
            self.browse(),
            self._existing_lots({row.lot_name for row in rows}, options.company),
            options,
        )
        if not vals_list:
            return []
        try:
            with self.env.cr.savepoint() as trial:
                Lot = self.env["stock.lot"].sudo().with_context(self._apply_context())
                Lot.create(vals_list).flush_recordset()
                trial.close(rollback=True)
        except (UserError, ValidationError) as exc:
            return [
                self.env._(
                    "The lot/serial numbers are refused: %(reason)s",
                    reason=exc.args[0] if exc.args else exc,
                )
            ]
        return []

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rows of a retroactive assignment (``stock.lot.assign.run``): one
:class:`~.lot_assign_parsing.AssignRow` per lot/serial and location, from
the untracked stock (generated modes), an import, or values given by a
script; names normalised as the lots will be."""

import datetime

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import float_compare

from . import lot_assign_parsing
from .lot_assign_parsing import AssignRow


class StockLotAssignRun(models.Model):
    _inherit = "stock.lot.assign.run"

    @api.model
    def _get_untracked_quants(self, products, company, locations=None):
        """The untracked quants of the products in internal locations of the
        company, in the order rows are generated."""
        if not products:
            return self.env["stock.quant"]
        domain = Domain("product_id", "in", products.ids) & Domain("lot_id", "=", False)
        domain &= Domain("quantity", ">", 0) & Domain(
            "location_id.usage", "=", "internal"
        )
        if locations is not None:
            domain &= Domain("location_id", "in", locations.ids)
        if company:
            domain &= Domain("company_id", "=", company.id)
        return (
            self.env["stock.quant"]
            .sudo()
            .search(domain, order="product_id, location_id, in_date, id")
        )

    @api.model
    def _normalize_rows(self, rows, company):
        """Normalise the names as the lot format rules of the integrity rules
        do on create (when present), so that preview, collision checks and
        the created lots agree."""
        if not self.env["res.company"]._traceability_strict(company):
            return rows
        Lot = self.env["stock.lot"]
        formats = {}
        for row in rows:
            tmpl = row.product.product_tmpl_id
            if not row.lot_name or len(tmpl) != 1:
                continue
            if tmpl not in formats:
                formats[tmpl] = tmpl._get_lot_name_format()
            row.lot_name = Lot._normalize_lot_name(row.lot_name, formats[tmpl])
        return rows

    # ------------------------------------------------------------------
    # Generated modes: from the untracked quants
    # ------------------------------------------------------------------

    @staticmethod
    def _quant_row(index, quant, lot_name, quantity, error=""):
        return AssignRow(
            row=index,
            product=quant.product_id,
            location=quant.location_id,
            lot_name=lot_name,
            quantity=quantity,
            quant=quant,
            raw=lot_name,
            error=error,
        )

    @api.model
    def _prepare_rows_single_lot(self, company, products, lot_name):
        """One lot ``lot_name`` for all the untracked stock."""
        lot_name = (lot_name or "").strip()
        if not lot_name:
            raise UserError(self.env._("Enter the lot name to assign."))
        quants = self._get_untracked_quants(products, company)
        return [
            self._quant_row(index, quant, lot_name, quant.quantity)
            for index, quant in enumerate(quants, start=1)
        ]

    @api.model
    def _prepare_rows_lot_per_location(
        self, company, products, prefix, first_number, padding
    ):
        """One generated lot per product and location."""
        quants = self._get_untracked_quants(products, company)
        numbers = {}
        rows = []
        for index, quant in enumerate(quants, start=1):
            key = (quant.product_id.id, quant.location_id.id)
            if key not in numbers:
                numbers[key] = first_number + len(numbers)
            name = lot_assign_parsing.generated_name(prefix, numbers[key], padding)
            rows.append(self._quant_row(index, quant, name, quant.quantity))
        return rows

    @api.model
    def _prepare_rows_serials(self, company, products, prefix, first_number, padding):
        """One generated serial per unit; a fractional quantity is an error
        row."""
        quants = self._get_untracked_quants(products, company)
        rows = []
        number = first_number
        for quant in quants:
            units = quant.quantity
            if float_compare(units, round(units), precision_digits=6):
                error = self.env._(
                    "%(qty)s units at %(location)s is not a whole "
                    "number: serials need one unit each",
                    qty=units,
                    location=quant.location_id.display_name,
                )
                rows.append(self._quant_row(len(rows) + 1, quant, "", units, error))
                continue
            for _unit in range(round(units)):
                name = lot_assign_parsing.generated_name(prefix, number, padding)
                rows.append(self._quant_row(len(rows) + 1, quant, name, 1.0))
                number += 1
        return rows

    # ------------------------------------------------------------------
    # Imported rows and rows given by a script
    # ------------------------------------------------------------------

    @api.model
    def _prepare_rows_import(self, company, file_data=None, filename=None, text=None):
        """The rows of an uploaded file (base64) or a pasted list; raise
        one error for an unreadable file or lines of the wrong shape."""
        lines, errors = lot_assign_parsing.read_import(file_data, filename, text)
        if errors:
            self._raise_errors(
                [
                    self._get_import_error_message(code, params)
                    for code, params in errors
                ]
            )
        products = self._find_products({line.product_code for line in lines})
        locations = self._find_locations(
            {line.location_name for line in lines}, company
        )
        return [
            self._import_row(
                line,
                products.get(line.product_code, self.env["product.product"]),
                locations.get(line.location_name, self.env["stock.location"]),
            )
            for line in lines
        ]

    @api.model
    def _import_row(self, line, product, location):
        errors = []
        if not product:
            errors.append(
                self.env._("unknown product %(value)r", value=line.product_code)
            )
        elif len(product) > 1:
            errors.append(
                self.env._(
                    "product %(value)r matches several products",
                    value=line.product_code,
                )
            )
        if not location:
            errors.append(
                self.env._(
                    "unknown internal location %(value)r", value=line.location_name
                )
            )
        errors += [
            self._get_import_error_message(code, params) for code, params in line.errors
        ]
        return AssignRow(
            row=line.row,
            product=product,
            location=location,
            lot_name=line.lot_name,
            quantity=line.quantity or 0.0,
            expiration_date=line.expiration_date or False,
            raw=line.lot_name,
            error="; ".join(errors),
        )

    @api.model
    def _get_import_error_message(self, code, params):
        """The message of an error code of :mod:`.lot_assign_parsing`."""
        _ = self.env._
        messages = {
            "unreadable": lambda: _("The uploaded file cannot be read."),
            "empty_input": lambda: _("The file or pasted list is empty."),
            "empty_file": lambda: _("The file is empty."),
            "encoding": lambda: _(
                "Row %(row)s: byte %(byte)s is not valid UTF-8; save the file "
                "as CSV UTF-8 and try again.",
                **params,
            ),
            "xlsx": lambda: _(
                "The file is not a readable XLSX workbook: %(error)s", **params
            ),
            "too_many": lambda: _(
                "The file has %(count)s rows; at most %(max)s rows can be "
                "assigned in one run. Split the file.",
                **params,
            ),
            "no_rows": lambda: _("The file is empty: no row to assign."),
            "columns": lambda: _(
                "Row %(row)s: %(count)s column(s) found in %(value)r; expected "
                "product, location, lot/serial, quantity[, expiration date] "
                "separated by a comma, semicolon or tab.",
                **params,
            ),
            "quantity": lambda: _("malformed quantity %(value)r", **params),
            "date": lambda: _(
                "malformed expiration date %(value)r (use YYYY-MM-DD)", **params
            ),
        }
        return messages[code]()

    @api.model
    def _find_products(self, codes):
        """{internal reference or barcode: products}"""
        codes = [code for code in codes if code]
        if not codes:
            return {}
        products = self.env["product.product"].search(
            Domain("default_code", "in", codes) | Domain("barcode", "in", codes)
        )
        found = {}
        for product in products:
            for code in {product.default_code, product.barcode} & set(codes):
                found[code] = found.get(code, self.env["product.product"]) | product
        return found

    @api.model
    def _find_locations(self, names, company):
        """{full name or barcode: internal location of the company}"""
        names = [name for name in names if name]
        if not names:
            return {}
        locations = self.env["stock.location"].search(
            (Domain("complete_name", "in", names) | Domain("barcode", "in", names))
            & Domain("usage", "=", "internal")
            & Domain("company_id", "in", [company.id, False])
        )
        found = {}
        for location in locations:
            for name in {location.complete_name, location.barcode} & set(names):
                found[name] = location
        return found

    @api.model
    def _prepare_rows_values(self, values, company):
        """The rows of values given by a script or JSON-RPC: dicts with
        ``product_id``, ``location_id``, ``lot_name``, ``quantity`` and an
        optional ``expiration_date`` (datetime or string), numbered from 1."""
        products = {
            product.id: product
            for product in self.env["product.product"]
            .browse({vals.get("product_id") for vals in values} - {None, False})
            .exists()
        }
        locations = {
            location.id: location
            for location in self.env["stock.location"]
            .browse({vals.get("location_id") for vals in values} - {None, False})
            .exists()
        }
        rows = []
        for index, vals in enumerate(values, start=1):
            expiration, date_error = self._parse_expiration_value(
                vals.get("expiration_date")
            )
            quantity = lot_assign_parsing.parse_quantity(str(vals.get("quantity", 0)))
            errors = [date_error] if date_error else []
            if quantity is None:
                errors.insert(
                    0,
                    self._get_import_error_message(
                        "quantity", {"value": vals.get("quantity")}
                    ),
                )
            rows.append(
                AssignRow(
                    row=index,
                    product=products.get(
                        vals.get("product_id"), self.env["product.product"]
                    ),
                    location=locations.get(
                        vals.get("location_id"), self.env["stock.location"]
                    ),
                    lot_name=(vals.get("lot_name") or "").strip(),
                    quantity=quantity or 0.0,
                    expiration_date=expiration,
                    raw=vals.get("lot_name") or "",
                    error="; ".join(errors),
                )
            )
        return self._normalize_rows(rows, company)

    @api.model
    def _parse_expiration_value(self, value):
        """(datetime or False, error) of an expiration date given by a
        script: a date, a datetime or a string such as ``YYYY-MM-DD``."""
        if not value:
            return False, ""
        if isinstance(value, datetime.datetime):
            return value, ""
        if isinstance(value, datetime.date):
            return datetime.datetime.combine(value, datetime.time.min), ""
        parsed = lot_assign_parsing.parse_date(str(value))
        if parsed is None:
            return False, self._get_import_error_message("date", {"value": value})
        return parsed, ""

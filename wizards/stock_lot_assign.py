# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Retroactive lot/serial assignment of untracked stock (issue 4, spec B).

The wizard turns rows (product, location, lot/serial, quantity, expiry) into
an in-place split of the untracked quants: every row becomes a lot quant at
the same location, package and owner, with the same incoming date, and the
untracked quant shrinks by the same quantity. The history is a done
``stock.move`` from the location to itself per untracked quant, one move
line per lot, under the run's reference. Nothing goes through
``_action_done``: no quantity enters or leaves a valued location, so no
valuation is created (see ``stock.lot.assign.run``).
"""

import base64
import binascii
import csv
import datetime
import io
import re
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, float_is_zero, float_round

CALLER_CONTEXT_KEYS = {
    "active_id",
    "active_ids",
    "active_model",
    "active_picking_id",
    "traceability_picking_type_id",
}
MAX_IMPORT_ROWS = 20000
# A background assignment reports its progress about JOB_REPORTS times,
# after batches of JOB_BATCH_MIN to JOB_BATCH_MAX rows.
JOB_REPORTS = 20
JOB_BATCH_MIN = 10
JOB_BATCH_MAX = 500
MAX_LISTED_ERRORS = 200
IMPORT_DELIMITERS = ",;\t|"
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y")


class StockLotAssign(models.TransientModel):
    _name = "stock.lot.assign"
    _description = "Assign Lots/Serial Numbers to Untracked Stock"

    def _default_product_ids(self):
        ctx = self.env.context
        if ctx.get("active_model") == "product.product":
            return self.env["product.product"].browse(ctx.get("active_ids") or [])
        if ctx.get("active_model") == "product.template":
            templates = self.env["product.template"].browse(ctx.get("active_ids") or [])
            return templates.product_variant_ids
        return self.env["product.product"]

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        default=_default_product_ids,
        domain="[('tracking', '!=', 'none'), ('is_storable', '=', True)]",
    )
    mode = fields.Selection(
        [
            ("single_lot", "One lot for all"),
            ("lot_per_location", "One lot per location"),
            ("serials", "Generated serial numbers"),
            ("import", "Import a list or a file"),
            ("manual", "Manual lines"),
        ],
        required=True,
        default="serials",
    )
    state = fields.Selection(
        [("setup", "Setup"), ("preview", "Preview")], default="setup", required=True
    )
    lot_name = fields.Char(string="Lot Name")
    name_prefix = fields.Char(string="Prefix")
    first_number = fields.Integer(default=1)
    padding = fields.Integer(default=4, help="Digits of the generated number.")
    import_text = fields.Text(
        string="Pasted List",
        help="One row per line: product (internal reference or barcode), "
        "location (full name or barcode), lot/serial, quantity, optional "
        "expiration date (YYYY-MM-DD), separated by commas, semicolons or tabs.",
    )
    import_file = fields.Binary(string="File", attachment=False)
    import_filename = fields.Char()
    receipt_date = fields.Date(
        help="Expiration dates are computed from this date with the product's "
        "expiration rules; empty: from each quant's incoming date.",
    )
    leave_rest_untracked = fields.Boolean(
        string="Leave the rest untracked",
        help="Allow assigning less than the untracked quantity of a location.",
    )
    quant_ids = fields.Many2many(
        "stock.quant",
        string="Untracked Stock",
        compute="_compute_quant_ids",
    )
    untracked_qty = fields.Float(
        compute="_compute_quant_ids", digits="Product Unit", string="Untracked"
    )
    line_ids = fields.One2many(
        "stock.lot.assign.line", "wizard_id", string="Assignment Lines"
    )
    assigned_qty = fields.Float(
        compute="_compute_assigned_qty", digits="Product Unit", string="Assigned"
    )

    @api.depends("product_ids", "company_id")
    def _compute_quant_ids(self):
        for wizard in self:
            quants = wizard._get_untracked_quants(wizard.product_ids)
            wizard.quant_ids = quants
            wizard.untracked_qty = sum(quants.mapped("quantity"))

    @api.depends("line_ids.quantity")
    def _compute_assigned_qty(self):
        for wizard in self:
            wizard.assigned_qty = sum(wizard.line_ids.mapped("quantity"))

    @api.onchange("mode", "lot_name", "name_prefix", "first_number", "padding")
    def _onchange_parameters(self):
        if self.state == "preview" and self.mode != "manual":
            self.state = "setup"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Build and validate the rows, show them; nothing is written."""
        self.ensure_one()
        rows = self._get_rows()
        self._check_rows(rows, trial_lots=True)
        if self.mode != "manual":
            self.line_ids = [Command.clear()] + [
                Command.create(self._prepare_line_vals(row)) for row in rows
            ]
        self.state = "preview"
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.state = "setup"
        return self._reopen()

    def action_apply(self):
        """Apply the assignment: the rows of the mode, validated again; in a
        background job above the company's threshold."""
        self.ensure_one()
        rows = self._get_rows()
        threshold = self.company_id.traceability_job_assign_threshold
        if threshold and len(rows) > threshold:
            return self._enqueue_rows(rows)._get_action_view()
        return self._apply_rows(rows)._get_action_view()

    def _enqueue_rows(self, rows):
        """Check the rows now (errors are shown at once), apply them in a
        background job (``stock.traceability.job``)."""
        self._check_rows(rows)
        return self.env["stock.traceability.job"]._enqueue(
            "assign",
            self,
            self.env._(
                "Assignment of %(count)s lots/serial numbers",
                count=len({(row["product"].id, row["lot_name"]) for row in rows}),
            ),
            total=len(rows),
        )

    @api.model
    def _get_action_for_products(self, products):
        """The wizard's window action for these products (smart button,
        products list action, health check)."""
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Assign Lots/Serial Numbers"),
            "context": {
                "default_product_ids": products.ids,
                "default_mode": "serials"
                if set(products.mapped("tracking")) == {"serial"}
                else "single_lot",
            },
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Assign Lots/Serial Numbers"),
            "context": dict(self.env.context),
        }

    # ------------------------------------------------------------------
    # Rows: dicts with row, product, location, lot_name, quantity,
    # expiration_date, quant (generated modes) and error (parse errors)
    # ------------------------------------------------------------------

    def _get_rows(self):
        """The rows of the mode (``_prepare_rows_<mode>``), names normalised."""
        return self._normalize_rows(getattr(self, f"_prepare_rows_{self.mode}")())

    def _normalize_rows(self, rows):
        """Normalise the names as the lot format rules of the integrity rules
        do on create (when present), so that preview, collision checks and
        the created lots agree."""
        if not self.company_id.strict_traceability:
            return rows
        Lot = self.env["stock.lot"]
        formats = {}
        for row in rows:
            tmpl = row["product"].product_tmpl_id
            if not row["lot_name"] or len(tmpl) != 1:
                continue
            if tmpl not in formats:
                formats[tmpl] = tmpl._get_lot_name_format()
            row["lot_name"] = Lot._normalize_lot_name(row["lot_name"], formats[tmpl])
        return rows

    @api.model
    def _get_untracked_quants(self, products, locations=None):
        if not products:
            return self.env["stock.quant"]
        domain = Domain("product_id", "in", products.ids) & Domain("lot_id", "=", False)
        domain &= Domain("quantity", ">", 0) & Domain(
            "location_id.usage", "=", "internal"
        )
        if locations is not None:
            domain &= Domain("location_id", "in", locations.ids)
        if self.company_id:
            domain &= Domain("company_id", "=", self.company_id.id)
        return (
            self.env["stock.quant"]
            .sudo()
            .search(domain, order="product_id, location_id, in_date, id")
        )

    def _tracked_products(self):
        return self.product_ids.filtered(lambda p: p.tracking != "none")

    def _new_row(self, index, quant, lot_name, quantity):
        return {
            "row": index,
            "product": quant.product_id,
            "location": quant.location_id,
            "quant": quant,
            "lot_name": lot_name,
            "quantity": quantity,
            "expiration_date": False,
            "raw": lot_name,
        }

    def _generated_name(self, number):
        return f"{self.name_prefix or ''}{str(number).zfill(self.padding or 0)}"

    def _prepare_rows_single_lot(self):
        if not (self.lot_name or "").strip():
            raise UserError(self.env._("Enter the lot name to assign."))
        quants = self._get_untracked_quants(self._tracked_products())
        return [
            self._new_row(index, quant, self.lot_name.strip(), quant.quantity)
            for index, quant in enumerate(quants, start=1)
        ]

    def _prepare_rows_lot_per_location(self):
        quants = self._get_untracked_quants(self._tracked_products())
        numbers = {}
        rows = []
        for index, quant in enumerate(quants, start=1):
            key = (quant.product_id.id, quant.location_id.id)
            if key not in numbers:
                numbers[key] = self.first_number + len(numbers)
            rows.append(
                self._new_row(
                    index, quant, self._generated_name(numbers[key]), quant.quantity
                )
            )
        return rows

    def _prepare_rows_serials(self):
        quants = self._get_untracked_quants(self._tracked_products())
        rows = []
        number = self.first_number
        for quant in quants:
            units = quant.quantity
            if float_compare(units, round(units), precision_digits=6):
                rows.append(
                    dict(
                        self._new_row(len(rows) + 1, quant, "", units),
                        error=self.env._(
                            "%(qty)s units at %(location)s is not a whole "
                            "number: serials need one unit each",
                            qty=units,
                            location=quant.location_id.display_name,
                        ),
                    )
                )
                continue
            for _unit in range(round(units)):
                rows.append(
                    self._new_row(
                        len(rows) + 1, quant, self._generated_name(number), 1.0
                    )
                )
                number += 1
        return rows

    def _prepare_rows_manual(self):
        return [
            {
                "row": index,
                "product": line.product_id,
                "location": line.location_id,
                "quant": self.env["stock.quant"],
                "lot_name": (line.lot_name or "").strip(),
                "quantity": line.quantity,
                "expiration_date": line.expiration_date,
                "raw": line.lot_name or "",
            }
            for index, line in enumerate(self.line_ids.sorted("sequence"), start=1)
        ]

    def _prepare_rows_import(self):
        table, errors = self._read_import_table()
        if errors:
            self._raise_errors(errors)
        return self._rows_from_table(table)

    def _prepare_line_vals(self, row):
        return {
            "sequence": row["row"],
            "product_id": row["product"].id,
            "location_id": row["location"].id,
            "quant_id": row["quant"].id if row.get("quant") else False,
            "lot_name": row["lot_name"],
            "quantity": row["quantity"],
            "expiration_date": row.get("expiration_date") or False,
        }

    # ------------------------------------------------------------------
    # Import: pasted text, CSV or XLSX -> table of (row number, cells)
    # ------------------------------------------------------------------

    def _read_import_table(self):
        """Return ([(row number, [cells])], [errors]); errors are strings."""
        if self.import_file:
            try:
                content = base64.b64decode(self.import_file, validate=False)
            except (binascii.Error, ValueError):
                return [], [self.env._("The uploaded file cannot be read.")]
            if (self.import_filename or "").lower().endswith(".xlsx") or content[
                :2
            ] == b"PK":
                return self._read_xlsx(content)
            return self._read_csv_bytes(content)
        if self.import_text and self.import_text.strip():
            return self._read_csv_text(self.import_text)
        return [], [self.env._("The file or pasted list is empty.")]

    def _read_csv_bytes(self, content):
        if not content.strip():
            return [], [self.env._("The file is empty.")]
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            row = content[: exc.start].count(b"\n") + 1
            return [], [
                self.env._(
                    "Row %(row)s: byte %(byte)s is not valid UTF-8; save the file "
                    "as CSV UTF-8 and try again.",
                    row=row,
                    byte=content[exc.start : exc.start + 1].hex(),
                )
            ]
        return self._read_csv_text(text)

    def _read_csv_text(self, text):
        lines = text.splitlines()
        if len(lines) > MAX_IMPORT_ROWS + 1:
            return [], [self._too_many_rows_error(len(lines))]
        sample = "\n".join(lines[:20])
        try:
            delimiter = (
                csv.Sniffer().sniff(sample, delimiters=IMPORT_DELIMITERS).delimiter
            )
        except csv.Error:
            delimiter = max(IMPORT_DELIMITERS, key=sample.count)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        table = []
        for index, cells in enumerate(reader, start=1):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                table.append((index, cells))
        return self._check_table(table)

    def _read_xlsx(self, content):
        try:
            import openpyxl  # noqa: PLC0415 - optional at import time

            book = openpyxl.load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
        except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
            return [], [
                self.env._(
                    "The file is not a readable XLSX workbook: %(error)s", error=exc
                )
            ]
        sheet = book.worksheets[0]
        table = []
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if index > MAX_IMPORT_ROWS + 1:
                book.close()
                return [], [self._too_many_rows_error(sheet.max_row or index)]
            cells = [self._xlsx_cell(value) for value in values]
            if any(cells):
                table.append((index, cells))
        book.close()
        return self._check_table(table)

    @staticmethod
    def _xlsx_cell(value):
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def _too_many_rows_error(self, count):
        return self.env._(
            "The file has %(count)s rows; at most %(max)s rows can be assigned "
            "in one run. Split the file.",
            count=count,
            max=MAX_IMPORT_ROWS,
        )

    def _check_table(self, table):
        if table and self._is_header(table[0][1]):
            table = table[1:]
        if not table:
            return [], [self.env._("The file is empty: no row to assign.")]
        if len(table) > MAX_IMPORT_ROWS:
            return [], [self._too_many_rows_error(len(table))]
        errors = [
            self.env._(
                "Row %(row)s: %(count)s column(s) found in %(value)r; expected "
                "product, location, lot/serial, quantity[, expiration date] "
                "separated by a comma, semicolon or tab.",
                row=index,
                count=len(cells),
                value=self._shorten(cells),
            )
            for index, cells in table
            if len(cells) < 4 or len(cells) > 5
        ]
        return table, errors

    @staticmethod
    def _shorten(cells):
        value = " | ".join(cells)
        return value if len(value) <= 60 else value[:57] + "..."

    @staticmethod
    def _is_header(cells):
        if len(cells) < 4:
            return False
        try:
            float(cells[3].replace(",", "."))
        except ValueError:
            return True
        return False

    def _rows_from_table(self, table):
        products = self._find_products({cells[0] for _index, cells in table})
        locations = self._find_locations({cells[1] for _index, cells in table})
        rows = []
        for index, cells in table:
            row = {
                "row": index,
                "product": products.get(cells[0], self.env["product.product"]),
                "location": locations.get(cells[1], self.env["stock.location"]),
                "quant": self.env["stock.quant"],
                "lot_name": cells[2],
                "quantity": 0.0,
                "expiration_date": False,
                "raw": cells[2],
            }
            errors = []
            if not row["product"]:
                errors.append(self.env._("unknown product %(value)r", value=cells[0]))
            elif len(row["product"]) > 1:
                errors.append(
                    self.env._(
                        "product %(value)r matches several products", value=cells[0]
                    )
                )
            if not row["location"]:
                errors.append(
                    self.env._("unknown internal location %(value)r", value=cells[1])
                )
            try:
                row["quantity"] = float(cells[3].replace(",", "."))
            except ValueError:
                errors.append(
                    self.env._("malformed quantity %(value)r", value=cells[3])
                )
            if len(cells) > 4 and cells[4]:
                row["expiration_date"] = self._parse_date(cells[4])
                if not row["expiration_date"]:
                    errors.append(
                        self.env._(
                            "malformed expiration date %(value)r (use YYYY-MM-DD)",
                            value=cells[4],
                        )
                    )
            if errors:
                row["error"] = "; ".join(errors)
            rows.append(row)
        return rows

    @staticmethod
    def _parse_date(value):
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(value, fmt)
            except ValueError:
                continue
        return False

    def _find_products(self, codes):
        codes = [code for code in codes if code]
        if not codes:
            return {}
        products = self.env["product.product"].search(
            Domain("default_code", "in", codes) | Domain("barcode", "in", codes)
        )
        found = defaultdict(lambda: self.env["product.product"])
        for product in products:
            for code in {product.default_code, product.barcode} & set(codes):
                found[code] |= product
        return found

    def _find_locations(self, names):
        names = [name for name in names if name]
        if not names:
            return {}
        locations = self.env["stock.location"].search(
            (Domain("complete_name", "in", names) | Domain("barcode", "in", names))
            & Domain("usage", "=", "internal")
            & Domain("company_id", "in", [self.company_id.id, False])
        )
        found = {}
        for location in locations:
            for name in {location.complete_name, location.barcode} & set(names):
                found[name] = location
        return found

    # ------------------------------------------------------------------
    # Validation: one error listing every offending row
    # ------------------------------------------------------------------

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

    def _row_error(self, row, reason):
        return self.env._(
            "Row %(row)s (%(value)s): %(reason)s",
            row=row["row"],
            value=row.get("raw") or row.get("lot_name") or "",
            reason=reason,
        )

    def _check_rows(self, rows, untracked=None, trial_lots=False):
        """Raise one UserError listing every offending row.

        :param untracked: {(product id, location id): untracked quantity};
            read from the quants when not given
        :param trial_lots: also create the lots in a rolled-back savepoint so
            that the lot/serial format rules (create constraints) speak now
        """
        if not rows:
            raise UserError(
                self.env._("There is no untracked stock to assign for these products.")
            )
        errors = [
            self._row_error(row, row["error"]) for row in rows if row.get("error")
        ]
        rows_ok = [row for row in rows if not row.get("error")]
        errors += self._check_row_values(rows_ok)
        errors += self._check_row_serials(rows_ok)
        errors += self._check_row_totals(rows_ok, untracked)
        if not errors and trial_lots:
            errors += self._check_lot_creation(rows_ok)
        if errors:
            self._raise_errors(errors)

    def _check_row_values(self, rows):
        errors = []
        for row in rows:
            product, location, name = row["product"], row["location"], row["lot_name"]
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
            if row["quantity"] <= 0:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "quantity %(qty)s must be positive", qty=row["quantity"]
                        ),
                    )
                )
            elif (
                product
                and product.tracking == "serial"
                and float_compare(row["quantity"], 1.0, precision_digits=6)
            ):
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "a serial number holds exactly 1 unit, not %(qty)s",
                            qty=row["quantity"],
                        ),
                    )
                )
        return errors

    def _check_row_serials(self, rows):
        """Duplicates between rows and collisions with existing serials."""
        errors = []
        seen = {}
        serial_rows = [
            row
            for row in rows
            if row["product"] and row["product"].tracking == "serial"
        ]
        for row in serial_rows:
            key = (row["product"].id, row["lot_name"])
            if key in seen:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "duplicate serial number %(name)s (also on row %(other)s)",
                            name=row["lot_name"],
                            other=seen[key],
                        ),
                    )
                )
            else:
                seen[key] = row["row"]
        existing = self._existing_lots({row["lot_name"] for row in serial_rows})
        for row in serial_rows:
            lot = existing.get((row["product"].id, row["lot_name"]))
            if lot:
                errors.append(
                    self._row_error(
                        row,
                        self.env._(
                            "serial number %(name)s already exists for %(product)s",
                            name=row["lot_name"],
                            product=row["product"].display_name,
                        ),
                    )
                )
        return errors

    def _existing_lots(self, names):
        if not names:
            return {}
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                Domain("name", "in", list(names))
                & Domain("company_id", "in", [self.company_id.id, False])
            )
        )
        return {(lot.product_id.id, lot.name): lot for lot in lots}

    def _untracked_by_key(self, rows):
        quants = self._get_untracked_quants(
            self.env["product.product"].union(*(row["product"] for row in rows)),
            self.env["stock.location"].union(*(row["location"] for row in rows)),
        )
        untracked = defaultdict(float)
        for quant in quants:
            # Reservations are released (and redone on the lots) at apply.
            untracked[(quant.product_id.id, quant.location_id.id)] += quant.quantity
        return untracked

    def _check_row_totals(self, rows, untracked=None):
        rows = [row for row in rows if row["product"] and row["location"]]
        if not rows:
            return []
        if untracked is None:
            untracked = self._untracked_by_key(rows)
        assigned = defaultdict(float)
        row_numbers = defaultdict(list)
        records = {}
        for row in rows:
            key = (row["product"].id, row["location"].id)
            assigned[key] += row["quantity"]
            row_numbers[key].append(row["row"])
            records.setdefault(key, (row["product"], row["location"]))
        errors = []
        for key, qty in assigned.items():
            product, location = records[key]
            available = untracked.get(key, 0.0)
            cmp = product.uom_id.compare(qty, available)
            if cmp == 0 or (cmp < 0 and self.leave_rest_untracked):
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
                    rows=self._format_row_numbers(row_numbers[key]),
                    reason=reason,
                )
            )
        return errors

    @staticmethod
    def _format_row_numbers(numbers):
        if len(numbers) > 10:
            return f"{min(numbers)}-{max(numbers)}"
        return ", ".join(str(number) for number in numbers)

    def _check_lot_creation(self, rows):
        """Create the lots in a savepoint rolled back at once, so the lot
        format rules of the integrity rules run now (preview) rather than
        at apply."""
        vals_list = self._prepare_lot_vals_list(
            rows,
            self.env["stock.lot.assign.run"],
            existing=self._existing_lots({row["lot_name"] for row in rows}),
        )
        if not vals_list:
            return []
        try:
            with self.env.cr.savepoint():
                lots = (
                    self.env["stock.lot"]
                    .sudo()
                    .with_context(self._apply_context())
                    .create(vals_list)
                )
                lots.flush_recordset()
                raise _TrialRollback()
        except _TrialRollback:
            return []
        except (UserError, ValidationError) as exc:
            return [
                self.env._(
                    "The lot/serial numbers are refused: %(reason)s",
                    reason=exc.args[0] if exc.args else exc,
                )
            ]

    # ------------------------------------------------------------------
    # Apply
    # ------------------------------------------------------------------

    @api.model
    def _apply_context(self):
        """Context of the apply: the flag the strict rules can honour, no
        mail noise, and none of the keys that would tie the new lots to an
        operation type of the caller's context (the assignment belongs to
        no operation type)."""
        context = {
            key: value
            for key, value in self.env.context.items()
            if key not in CALLER_CONTEXT_KEYS and not key.startswith("default_")
        }
        context.update(
            {
                "tracking_disable": True,
                "mail_create_nolog": True,
                "mail_notrack": True,
            }
        )
        return context

    def _apply_rows(self, rows, job=None):
        """Validate and apply the rows (from :meth:`_get_rows`) atomically;
        return the run. ``job``: the background job running it, told the
        progress after each batch of rows."""
        self.ensure_one()
        wizard = self.with_context(self._apply_context())
        with self.env.cr.savepoint():
            run = wizard._do_apply(rows, job=job)
        return run

    def _do_apply(self, rows, job=None):
        # Early check without locks: no reservation is touched if rows are bad.
        self._check_rows(rows)
        moves_to_reassign = self._unreserve_untracked(rows)
        quants = self._lock_untracked_quants(rows)
        untracked = defaultdict(float)
        for quant in quants:
            untracked[(quant["product_id"], quant["location_id"])] += quant["available"]
        self._check_rows(rows, untracked=untracked)
        pieces = self._allocate(rows, quants)
        run_vals = self._prepare_run_vals()
        if job:
            run_vals["job_id"] = job.id
        run = self.env["stock.lot.assign.run"].sudo().create(run_vals)
        in_dates = {}
        for row, quant, _qty in pieces:
            in_dates.setdefault((row["product"].id, row["lot_name"]), quant["in_date"])
        done = 0
        for batch_rows, batch_pieces in self._split_batches(rows, pieces, job):
            lots = self._create_lots(batch_rows, run, in_dates)
            run._apply_pieces(batch_pieces, lots)
            done += len(batch_rows)
            if job:
                job._report_progress(done, len(rows))
        moves_to_reassign._action_assign()
        return run.sudo(False)

    @api.model
    def _split_batches(self, rows, pieces, job=None):
        """[(rows, their pieces)]: one batch in a request; about
        ``JOB_REPORTS`` batches in a background job, so that it reports
        progress and sees a cancel request between them (the whole run
        still commits or rolls back at once)."""
        if not job:
            return [(rows, pieces)]
        pieces_by_row = defaultdict(list)
        for piece in pieces:
            pieces_by_row[id(piece[0])].append(piece)
        size = min(max(-(-len(rows) // JOB_REPORTS), JOB_BATCH_MIN), JOB_BATCH_MAX)
        batches = []
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            batches.append(
                (batch, [piece for row in batch for piece in pieces_by_row[id(row)]])
            )
        return batches

    def _prepare_run_vals(self):
        return {
            "company_id": self.company_id.id,
            "mode": self.mode,
            "receipt_date": self.receipt_date,
            "import_filename": self.import_filename if self.mode == "import" else False,
        }

    def _unreserve_untracked(self, rows):
        """Unreserve the moves reserving the untracked stock to convert; they
        are reserved again (on the new lots) after the assignment."""
        keys = {(row["product"].id, row["location"].id) for row in rows}
        move_lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                Domain("product_id", "in", list({key[0] for key in keys}))
                & Domain("location_id", "in", list({key[1] for key in keys}))
                & Domain("lot_id", "=", False)
                & Domain("state", "not in", ("done", "cancel"))
                & Domain("quantity", ">", 0)
            )
            .filtered(lambda ml: (ml.product_id.id, ml.location_id.id) in keys)
        )
        picked = move_lines.filtered("picked")
        if picked:
            self._raise_errors(
                [
                    self.env._(
                        "%(product)s at %(location)s is picked without lot on "
                        "%(document)s; validate or unpick it first",
                        product=ml.product_id.display_name,
                        location=ml.location_id.display_name,
                        document=ml.reference or ml.move_id.reference or "",
                    )
                    for ml in picked
                ]
            )
        moves = move_lines.move_id
        moves._do_unreserve()
        return moves

    def _lock_untracked_quants(self, rows):
        """Lock the untracked quants of the rows (FOR UPDATE) and return them
        as dicts ordered by incoming date (FIFO allocation)."""
        self.env.flush_all()
        product_ids = list({row["product"].id for row in rows})
        location_ids = list({row["location"].id for row in rows})
        records = self.env.execute_query_dict(
            SQL(
                """
                SELECT id, product_id, location_id, package_id, owner_id,
                       quantity, reserved_quantity, in_date, company_id
                  FROM stock_quant
                 WHERE product_id = ANY(%(products)s)
                   AND location_id = ANY(%(locations)s)
                   AND lot_id IS NULL
                   AND quantity > 0
                   AND company_id = %(company)s
                 ORDER BY in_date, id
                   FOR UPDATE
                """,
                products=product_ids,
                locations=location_ids,
                company=self.company_id.id,
            )
        )
        for record in records:
            record["available"] = float(record["quantity"]) - max(
                float(record["reserved_quantity"] or 0.0), 0.0
            )
        return records

    def _allocate(self, rows, quants):
        """Split the rows over the untracked quants of their product and
        location, first in first out: [(row, quant dict, quantity)]."""
        by_key = defaultdict(list)
        for quant in quants:
            by_key[(quant["product_id"], quant["location_id"])].append(
                [quant, quant["available"]]
            )
        pieces = []
        for row in rows:
            rest = row["quantity"]
            rounding = row["product"].uom_id
            for slot in by_key[(row["product"].id, row["location"].id)]:
                if rounding.is_zero(rest):
                    break
                if rounding.is_zero(slot[1]):
                    continue
                qty = min(rest, slot[1])
                slot[1] -= qty
                rest -= qty
                pieces.append((row, slot[0], qty))
        return pieces

    def _lot_expiration_date(self, row, product, in_date):
        if row.get("expiration_date"):
            return row["expiration_date"]
        if not product.use_expiration_date:
            return False
        start = (
            datetime.datetime.combine(self.receipt_date, datetime.time.min)
            if self.receipt_date
            else in_date or fields.Datetime.now()
        )
        return start + datetime.timedelta(days=product.expiration_time)

    def _prepare_lot_vals_list(self, rows, run, existing, in_dates=None):
        """Values of the lots to create; ``in_dates`` {(product id, name):
        incoming date of the stock it is assigned to} dates the expiry when
        no receipt date is given."""
        now = fields.Datetime.now()
        vals_by_key = {}
        for row in rows:
            product = row["product"]
            key = (product.id, row["lot_name"])
            if key in vals_by_key or key in existing:
                continue
            location = row["location"]
            quant = row.get("quant")
            vals = {
                "name": row["lot_name"],
                "product_id": product.id,
                "company_id": (location.company_id or self.company_id).id,
                "retroactive_run_id": run.id,
                "retroactive_date": now,
                "retroactive_user_id": self.env.user.id,
            }
            in_date = (in_dates or {}).get(key) or (quant.in_date if quant else False)
            expiration = self._lot_expiration_date(row, product, in_date)
            if expiration:
                vals["expiration_date"] = expiration
            vals_by_key[key] = vals
        return list(vals_by_key.values())

    def _create_lots(self, rows, run, in_dates=None):
        """{(product id, name): lot}; existing lots are reused for lot-tracked
        products (serial collisions were refused by the checks)."""
        existing = self._existing_lots({row["lot_name"] for row in rows})
        vals_list = self._prepare_lot_vals_list(rows, run, existing, in_dates)
        lots = self.env["stock.lot"].sudo().create(vals_list)
        result = dict(existing)
        for lot in lots:
            result[(lot.product_id.id, lot.name)] = lot
        return result


class _TrialRollback(Exception):
    """Rolls back the trial lot creation of the preview."""


class StockLotAssignLine(models.TransientModel):
    _name = "stock.lot.assign.line"
    _description = "Lot/Serial Assignment Line"
    _order = "wizard_id, sequence, id"

    wizard_id = fields.Many2one("stock.lot.assign", required=True, ondelete="cascade")
    sequence = fields.Integer(string="Row", default=10)
    product_id = fields.Many2one(
        "product.product",
        domain="[('tracking', '!=', 'none'), ('is_storable', '=', True)]",
    )
    location_id = fields.Many2one(
        "stock.location", domain="[('usage', '=', 'internal')]"
    )
    quant_id = fields.Many2one("stock.quant")
    package_id = fields.Many2one(related="quant_id.package_id")
    owner_id = fields.Many2one(related="quant_id.owner_id")
    lot_name = fields.Char(string="Lot/Serial Number")
    quantity = fields.Float(digits="Product Unit", default=1.0)
    expiration_date = fields.Datetime()

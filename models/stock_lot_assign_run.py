# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The retroactive lot/serial assignment: the run record and the engine that
creates it.

The engine takes typed rows (:class:`AssignRow`, parsed by
``tools/lot_assign_parsing.py``) and the parameters of the run
(:class:`AssignOptions`): it builds the rows of each mode (generated,
imported, given by a script), validates them (one error naming every row),
applies them atomically (reservations, locks, lots, batches of a background
job) and splits the quants in place. The wizard (``stock.lot.assign``) only
collects the input and shows the preview; scripts and JSON-RPC clients call
:meth:`StockLotAssignRun.check_assignment` and
:meth:`StockLotAssignRun.apply_assignment`.
"""

import datetime
import re
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, float_is_zero, float_round

from ..tools import lot_assign_parsing
from ..tools.lot_assign_parsing import AssignOptions, AssignRow

ASSIGN_MODES = [
    ("single_lot", "One lot for all"),
    ("lot_per_location", "One lot per location"),
    ("serials", "Generated serial numbers"),
    ("import", "Import a list or a file"),
    ("manual", "Manual lines"),
]

MAX_LISTED_ERRORS = 200

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

CALLER_CONTEXT_KEYS = {
    "active_id",
    "active_ids",
    "active_model",
    "active_picking_id",
    "traceability_picking_type_id",
}

# A background assignment reports its progress about JOB_REPORTS times,
# after batches of JOB_BATCH_MIN to JOB_BATCH_MAX rows.
JOB_REPORTS = 20

JOB_BATCH_MIN = 10

JOB_BATCH_MAX = 500

# Quant columns that the split does not copy from the untracked quant.
QUANT_SPLIT_RESET_FIELDS = {
    "id",
    "lot_id",
    "quantity",
    "reserved_quantity",
    "inventory_quantity",
    "inventory_diff_quantity",
    "inventory_quantity_set",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
}


class StockLotAssignRun(models.Model):
    """One retroactive lot/serial assignment: the reference of its history.

    The assignment splits each untracked quant in place into lot quants
    (same location, package, owner and incoming date) and records a done
    move from the location to itself, one line per lot, under the run's
    reference. The quantity in every valued location is unchanged and no
    move enters or leaves a valued location (``stock_account`` values
    ``is_in``/``is_out`` moves only), so valuation and unit costs stay as
    they were and no journal entry is made.
    """

    _name = "stock.lot.assign.run"
    _description = "Retroactive Lot/Serial Assignment"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned by",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    mode = fields.Selection(ASSIGN_MODES, readonly=True)
    receipt_date = fields.Date(
        readonly=True,
        help="Expiration dates are computed from this date with the product's "
        "expiration rules; empty: from each quant's incoming date.",
    )
    leave_rest_untracked = fields.Boolean(
        string="Leave the rest untracked",
        readonly=True,
        help="Allow assigning less than the untracked quantity of a location.",
    )
    import_filename = fields.Char(string="Imported File", readonly=True)
    # Written in the run's own transaction: a job found running after a
    # crash is done exactly when its run exists.
    job_id = fields.Many2one(
        "stock.traceability.job",
        string="Background Job",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    line_ids = fields.One2many(
        "stock.lot.assign.run.line", "run_id", string="Lines", readonly=True
    )
    lot_ids = fields.One2many(
        "stock.lot", "retroactive_run_id", string="Lots/Serial Numbers", readonly=True
    )
    move_ids = fields.Many2many(
        "stock.move", compute="_compute_move_ids", string="History"
    )
    lot_count = fields.Integer(compute="_compute_counts")
    quantity = fields.Float(compute="_compute_counts", digits="Product Unit")

    @api.depends("line_ids")
    def _compute_counts(self):
        groups = {
            run: (count, qty)
            for run, count, qty in self.env["stock.lot.assign.run.line"]._read_group(
                [("run_id", "in", self.ids)],
                ["run_id"],
                ["lot_id:count_distinct", "quantity:sum"],
            )
        }
        for run in self:
            run.lot_count, run.quantity = groups.get(run, (0, 0.0))

    @api.depends("line_ids.move_line_id")
    def _compute_move_ids(self):
        for run in self:
            run.move_ids = run.line_ids.move_line_id.move_id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "stock.lot.assign.run"
                ) or self.env._("New")
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _get_action_view(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "name": self.name,
            "target": "current",
        }

    def action_view_lots(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_production_lot_form"
        )
        action["domain"] = [("retroactive_run_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.stock_move_line_action"
        )
        action["domain"] = [("id", "in", self.line_ids.move_line_id.ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # The engine's entry points for scripts and JSON-RPC
    # ------------------------------------------------------------------

    @api.model
    def check_assignment(self, rows, vals=None):
        """Validate an assignment without writing anything; raise one
        UserError naming every offending row.

        :param rows: [{"product_id", "location_id", "lot_name", "quantity"[,
            "expiration_date"]}], numbered from 1 in the errors
        :param vals: values of the run: ``company_id`` (default: the current
            company), ``mode`` (default ``manual``), ``receipt_date``,
            ``leave_rest_untracked``
        :return: True
        """
        options = self._prepare_options(vals)
        rows = self._prepare_rows_values(rows, options.company)
        self._check_rows(rows, options, trial_lots=True)
        return True

    @api.model
    def apply_assignment(self, rows, vals=None):
        """Validate and apply an assignment (all or nothing), as
        :meth:`check_assignment`; return the run."""
        options = self._prepare_options(vals)
        rows = self._prepare_rows_values(rows, options.company)
        return self._apply_rows(rows, options)

    @api.model
    def _prepare_options(self, vals=None):
        """The :class:`AssignOptions` of run values given by a script; only
        who may create runs may assign."""
        self.check_access("create")
        vals = vals or {}
        company = self.env["res.company"].browse(vals.get("company_id"))
        if company and company not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You cannot assign the stock of %(company)s.",
                    company=company.sudo().display_name,
                )
            )
        return AssignOptions(
            company=company or self.env.company,
            mode=vals.get("mode") or "manual",
            receipt_date=fields.Date.to_date(vals.get("receipt_date")) or False,
            leave_rest_untracked=bool(vals.get("leave_rest_untracked")),
            import_filename=vals.get("import_filename") or False,
        )

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

    @api.model
    def _apply_rows(self, rows, options, job=None):
        """Validate and apply the rows (:class:`AssignRow`) atomically with
        the :class:`AssignOptions`; return the run. ``job``: the background
        job running it, told the progress after each batch of rows."""
        engine = self.with_context(self._apply_context())
        with self.env.cr.savepoint():
            run = engine._do_apply(rows, options, job=job)
        return run

    @api.model
    def _do_apply(self, rows, options, job=None):
        # Early check without locks: no reservation is touched if rows are bad.
        self._check_rows(rows, options)
        moves_to_reassign = self._unreserve_untracked(rows)
        quants = self._lock_untracked_quants(rows, options.company)
        untracked = defaultdict(float)
        for quant in quants:
            untracked[(quant["product_id"], quant["location_id"])] += quant["available"]
        self._check_rows(rows, options, untracked=untracked)
        pieces = self._allocate(rows, quants)
        run_vals = options.get_run_vals()
        if job:
            run_vals["job_id"] = job.id
        run = self.env[self._name].sudo().create(run_vals)
        in_dates = {}
        for row, quant, _qty in pieces:
            in_dates.setdefault(row.lot_key, quant["in_date"])
        done = 0
        for batch_rows, batch_pieces in self._split_batches(rows, pieces, job):
            lots = self._create_lots(batch_rows, run, options, in_dates)
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

    @api.model
    def _unreserve_untracked(self, rows):
        """Unreserve the moves reserving the untracked stock to convert; they
        are reserved again (on the new lots) after the assignment."""
        keys = {row.key for row in rows}
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

    @api.model
    def _lock_untracked_quants(self, rows, company):
        """Lock the untracked quants of the rows (FOR UPDATE) and return them
        as dicts ordered by incoming date (FIFO allocation)."""
        self.env.flush_all()
        product_ids = list({row.product.id for row in rows})
        location_ids = list({row.location.id for row in rows})
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
                company=company.id,
            )
        )
        for record in records:
            record["available"] = float(record["quantity"]) - max(
                float(record["reserved_quantity"] or 0.0), 0.0
            )
        return records

    @api.model
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
            rest = row.quantity
            rounding = row.product.uom_id
            for slot in by_key[row.key]:
                if rounding.is_zero(rest):
                    break
                if rounding.is_zero(slot[1]):
                    continue
                qty = min(rest, slot[1])
                slot[1] -= qty
                rest -= qty
                pieces.append((row, slot[0], qty))
        return pieces

    @api.model
    def _lot_expiration_date(self, row, product, in_date, receipt_date):
        if row.expiration_date:
            return row.expiration_date
        if not product.use_expiration_date:
            return False
        start = (
            datetime.datetime.combine(receipt_date, datetime.time.min)
            if receipt_date
            else in_date or fields.Datetime.now()
        )
        return start + datetime.timedelta(days=product.expiration_time)

    @api.model
    def _prepare_lot_vals_list(self, rows, run, existing, options, in_dates=None):
        """Values of the lots to create; ``in_dates`` {(product id, name):
        incoming date of the stock it is assigned to} dates the expiry when
        no receipt date is given."""
        now = fields.Datetime.now()
        vals_by_key = {}
        for row in rows:
            product = row.product
            key = row.lot_key
            if key in vals_by_key or key in existing:
                continue
            location = row.location
            quant = row.quant
            vals = {
                "name": row.lot_name,
                "product_id": product.id,
                "company_id": (location.company_id or options.company).id,
                "retroactive_run_id": run.id,
                "retroactive_date": now,
                "retroactive_user_id": self.env.user.id,
            }
            in_date = (in_dates or {}).get(key) or (quant.in_date if quant else False)
            expiration = self._lot_expiration_date(
                row, product, in_date, options.receipt_date
            )
            if expiration:
                vals["expiration_date"] = expiration
            vals_by_key[key] = vals
        return list(vals_by_key.values())

    @api.model
    def _create_lots(self, rows, run, options, in_dates=None):
        """{(product id, name): lot}; existing lots are reused for lot-tracked
        products (serial collisions were refused by the checks)."""
        existing = self._existing_lots({row.lot_name for row in rows}, options.company)
        vals_list = self._prepare_lot_vals_list(rows, run, existing, options, in_dates)
        lots = self.env["stock.lot"].sudo().create(vals_list)
        result = dict(existing)
        for lot in lots:
            result[(lot.product_id.id, lot.name)] = lot
        return result

    def _apply_pieces(self, pieces, lots):
        """Apply [(row, untracked quant dict, quantity)] with lots
        {(product id, lot name): stock.lot}."""
        self.ensure_one()
        parts = self._merge_pieces(pieces, lots)
        move_lines = self._create_history(parts)
        new_quant_ids = self._split_quants(parts)
        self.env["stock.lot.assign.run.line"].create(
            [
                {
                    "run_id": self.id,
                    "product_id": part["quant"]["product_id"],
                    "location_id": part["quant"]["location_id"],
                    "package_id": part["quant"]["package_id"],
                    "owner_id": part["quant"]["owner_id"],
                    "in_date": part["quant"]["in_date"],
                    "lot_id": part["lot"].id,
                    "quantity": part["quantity"],
                    "move_line_id": move_line.id,
                    "row": part["row"],
                }
                for part, move_line in zip(parts, move_lines, strict=True)
            ]
        )
        new_quants = self.env["stock.quant"].browse(new_quant_ids)
        # Stored fields computed from the lot (expiry dates of product_expiry).
        new_quants.modified(["lot_id"])
        self.env.flush_all()
        # The quants were written in SQL: run their constraints (Odoo's and
        # the strict rules' serial/negative-lot guards) on the batch now.
        new_quants._validate_fields(["product_id", "location_id", "lot_id", "quantity"])
        new_quants.check_quantity()
        # Computed quantities read before the SQL statements are stale.
        self.env.invalidate_all()

    @api.model
    def _merge_pieces(self, pieces, lots):
        """One part per (untracked quant, lot)."""
        parts = {}
        for row, quant, qty in pieces:
            lot = lots[row.lot_key]
            key = (quant["id"], lot.id)
            if key in parts:
                parts[key]["quantity"] += qty
            else:
                parts[key] = {
                    "quant": quant,
                    "lot": lot,
                    "quantity": qty,
                    "row": row.row,
                }
        return list(parts.values())

    def _create_history(self, parts):
        """A done move from each location to itself per untracked quant, one
        line per lot. Created empty (no reservation, no quant update), then
        marked done with their quantities in two statements."""
        by_quant = defaultdict(list)
        for part in parts:
            by_quant[part["quant"]["id"]].append(part)
        products = self.env["product.product"].browse(
            {part["quant"]["product_id"] for part in parts}
        )
        uom_by_product = {product.id: product.uom_id.id for product in products}
        now = fields.Datetime.now()
        move_vals = []
        for quant_parts in by_quant.values():
            quant = quant_parts[0]["quant"]
            move_vals.append(
                {
                    "product_id": quant["product_id"],
                    "product_uom": uom_by_product[quant["product_id"]],
                    "product_uom_qty": sum(part["quantity"] for part in quant_parts),
                    "location_id": quant["location_id"],
                    "location_dest_id": quant["location_id"],
                    "company_id": quant["company_id"],
                    "origin": self.name,
                    "restrict_partner_id": quant["owner_id"],
                    "date": now,
                    "procure_method": "make_to_stock",
                }
            )
        moves = self.env["stock.move"].sudo().create(move_vals)
        line_vals = []
        ordered_parts = []
        for move, quant_parts in zip(moves, by_quant.values(), strict=True):
            for part in quant_parts:
                quant = part["quant"]
                line_vals.append(
                    {
                        "move_id": move.id,
                        "product_id": quant["product_id"],
                        "product_uom_id": uom_by_product[quant["product_id"]],
                        "location_id": quant["location_id"],
                        "location_dest_id": quant["location_id"],
                        "lot_id": part["lot"].id,
                        "package_id": quant["package_id"],
                        "result_package_id": quant["package_id"],
                        "owner_id": quant["owner_id"],
                        "quantity": 0.0,
                        "date": now,
                    }
                )
                ordered_parts.append(part)
        move_lines = self.env["stock.move.line"].sudo().create(line_vals)
        parts[:] = ordered_parts
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_move_line ml
                   SET quantity = v.qty,
                       quantity_product_uom = v.qty,
                       picked = TRUE,
                       state = 'done'
                  FROM unnest(%(ids)s::int[], %(qtys)s::numeric[]) AS v(id, qty)
                 WHERE ml.id = v.id
                """,
                ids=move_lines.ids,
                qtys=[part["quantity"] for part in parts],
            )
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_move
                   SET state = 'done',
                       picked = TRUE,
                       quantity = product_uom_qty,
                       reference = %(ref)s
                 WHERE id = ANY(%(ids)s)
                """,
                ref=self.name,
                ids=moves.ids,
            )
        )
        self.env["stock.move"].invalidate_model()
        self.env["stock.move.line"].invalidate_model()
        return move_lines

    def _split_quants(self, parts):
        """Insert the lot quants copied from their untracked quant, shrink
        the untracked quants; return the new quant ids."""
        Quant = self.env["stock.quant"]
        columns = [
            name
            for name, field in Quant._fields.items()
            if field.store
            and field.column_type
            and name not in QUANT_SPLIT_RESET_FIELDS
        ]
        copied = SQL(", ").join(SQL.identifier(name) for name in columns)
        copied_from = SQL(", ").join(SQL.identifier("q", name) for name in columns)
        now = fields.Datetime.now()
        new_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO stock_quant (%(copied)s, lot_id, quantity,
                           reserved_quantity, inventory_quantity,
                           inventory_diff_quantity, inventory_quantity_set,
                           create_uid, create_date, write_uid, write_date)
                    SELECT %(copied_from)s, v.lot_id, v.qty, 0, 0, 0, FALSE,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(src)s::int[], %(lots)s::int[], %(qtys)s::numeric[],
                                  %(ord)s::int[])
                           AS v(src, lot_id, qty, ord)
                      JOIN stock_quant q ON q.id = v.src
                     ORDER BY v.ord
                    RETURNING id
                    """,
                    copied=copied,
                    copied_from=copied_from,
                    uid=self.env.uid,
                    now=now,
                    src=[part["quant"]["id"] for part in parts],
                    lots=[part["lot"].id for part in parts],
                    qtys=[part["quantity"] for part in parts],
                    ord=list(range(len(parts))),
                )
            )
        ]
        taken = defaultdict(float)
        for part in parts:
            taken[part["quant"]["id"]] += part["quantity"]
        emptied = self.env.execute_query(
            SQL(
                """
                UPDATE stock_quant q
                   SET quantity = q.quantity - v.qty,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(qtys)s::numeric[]) AS v(id, qty)
                 WHERE q.id = v.id
             RETURNING q.id, q.quantity, q.reserved_quantity
                """,
                uid=self.env.uid,
                now=now,
                ids=list(taken),
                qtys=list(taken.values()),
            )
        )
        Quant.invalidate_model()
        self.env["stock.lot"].invalidate_model(["quant_ids"])
        empty_ids = [
            quant_id
            for quant_id, quantity, reserved in emptied
            if abs(quantity) < 1e-9 and abs(reserved or 0) < 1e-9
        ]
        Quant.browse(empty_ids).sudo().unlink()
        return new_ids

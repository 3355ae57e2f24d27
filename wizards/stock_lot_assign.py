# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The wizard of the retroactive lot/serial assignment.

It collects the input (products, mode and its parameters, an import, manual
lines) and shows the preview; the rows, their validation and the apply are
the engine's, on ``stock.lot.assign.run`` (``models/stock_lot_assign_*.py``),
called with the rows and the options of the run built here
(:meth:`StockLotAssign._get_assignment`).
"""

import base64

from odoo import Command, api, fields, models

from ..models.stock_lot_assign_run import ASSIGN_MODES
from ..tools.lot_assign_parsing import AssignOptions, AssignRow


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
    mode = fields.Selection(ASSIGN_MODES, required=True, default="serials")
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
    template_file = fields.Binary(string="Template", attachment=False, readonly=True)
    template_filename = fields.Char(readonly=True)
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

    @api.depends("product_ids", "company_id", "mode")
    def _compute_quant_ids(self):
        for wizard in self:
            quants = self.env["stock.lot.assign.run"]._get_untracked_quants(
                wizard._get_import_products(), wizard.company_id
            )
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
        options, rows = self._get_assignment()
        self.env["stock.lot.assign.run"]._check_rows(rows, options, trial_lots=True)
        if self.mode != "manual":
            self.line_ids = [Command.clear()] + [
                Command.create(self._prepare_line_vals(row)) for row in rows
            ]
        self.state = "preview"
        return self._reopen()

    def action_download_template(self):
        """An XLSX file to fill in and import: the untracked stock listed
        (:meth:`_get_import_products`), one row per quant or serial unit."""
        self.ensure_one()
        content = self.env["stock.lot.assign.run"]._get_import_template(self.quant_ids)
        self.write(
            {
                "template_file": base64.b64encode(content),
                "template_filename": self.env._("lot_assignment_template.xlsx"),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/template_file/"
            f"{self.template_filename}?download=true",
            "target": "download",
        }

    def action_back(self):
        self.ensure_one()
        self.state = "setup"
        return self._reopen()

    def action_apply(self):
        """Apply the assignment: the rows of the mode, validated again; in a
        background job above the company's threshold."""
        self.ensure_one()
        options, rows = self._get_assignment()
        threshold = self.company_id.traceability_job_assign_threshold
        if threshold and len(rows) > threshold:
            return self._enqueue(options, rows)._get_action_view()
        Run = self.env["stock.lot.assign.run"]
        return Run._apply_rows(rows, options)._get_action_view()

    def _enqueue(self, options, rows):
        """Check the rows now (errors are shown at once), apply them in a
        background job (``stock.traceability.job``), which calls
        :meth:`_apply_in_job`."""
        self.env["stock.lot.assign.run"]._check_rows(rows, options)
        return self.env["stock.traceability.job"]._enqueue(
            "assign",
            self,
            self.env._(
                "Assignment of %(count)s lots/serial numbers",
                count=len({row.lot_key for row in rows}),
            ),
            total=len(rows),
        )

    def _apply_in_job(self, job):
        """The apply of the background ``job``: the rows are built again
        from the wizard, validated and applied; return the run."""
        options, rows = self._get_assignment()
        return self.env["stock.lot.assign.run"]._apply_rows(rows, options, job=job)

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
    # Delegation to the engine (stock.lot.assign.run)
    # ------------------------------------------------------------------

    def _get_import_products(self):
        """The products whose untracked stock the wizard lists: those
        chosen, or in import mode without a choice, every tracked product
        (the file may name any of them)."""
        self.ensure_one()
        if self.mode == "import" and not self.product_ids:
            return None
        return self.product_ids

    def _get_options(self):
        """The parameters of the run (:class:`AssignOptions`)."""
        self.ensure_one()
        return AssignOptions(
            company=self.company_id,
            mode=self.mode,
            receipt_date=self.receipt_date,
            leave_rest_untracked=self.leave_rest_untracked,
            import_filename=self.import_filename,
        )

    def _get_assignment(self):
        """(options, rows): the rows of the mode, names normalised."""
        options = self._get_options()
        rows = self._prepare_rows(options.company)
        return options, self.env["stock.lot.assign.run"]._normalize_rows(
            rows, options.company
        )

    def _prepare_rows(self, company):
        Run = self.env["stock.lot.assign.run"]
        products = self.product_ids.filtered(lambda p: p.tracking != "none")
        if self.mode == "single_lot":
            return Run._prepare_rows_single_lot(company, products, self.lot_name)
        numbered = {
            "lot_per_location": Run._prepare_rows_lot_per_location,
            "serials": Run._prepare_rows_serials,
        }
        if self.mode in numbered:
            return numbered[self.mode](
                company, products, self.name_prefix, self.first_number, self.padding
            )
        if self.mode == "import":
            return Run._prepare_rows_import(
                company, self.import_file, self.import_filename, self.import_text
            )
        return [
            AssignRow(
                row=index,
                product=line.product_id,
                location=line.location_id,
                lot_name=(line.lot_name or "").strip(),
                quantity=line.quantity,
                expiration_date=line.expiration_date,
                raw=line.lot_name or "",
            )
            for index, line in enumerate(self.line_ids.sorted("sequence"), start=1)
        ]

    @api.model
    def _prepare_line_vals(self, row):
        return {
            "sequence": row.row,
            "product_id": row.product.id,
            "location_id": row.location.id,
            "quant_id": row.quant.id if row.quant else False,
            "lot_name": row.lot_name,
            "quantity": row.quantity,
            "expiration_date": row.expiration_date or False,
        }


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
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    expiration_date = fields.Datetime()

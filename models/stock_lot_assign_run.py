# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The retroactive lot/serial assignment (issue 4, spec B): the run record
and the assignment engine that creates it.

The engine is the run model's, split by concern:

- ``lot_assign_parsing.py``: typed rows and options and the import
  of pasted lists and CSV/XLSX files, as plain functions;
- ``stock_lot_assign_rows.py``: the rows of each mode (generated, imported,
  given by a script);
- ``stock_lot_assign_check.py``: validation, one error naming every row;
- ``stock_lot_assign_apply.py``: the atomic apply (reservations, locks,
  lots, batches of a background job);
- ``stock_lot_assign_split.py``: the in-place split of the quants.

The engine's methods take the rows (:class:`AssignRow`) and the parameters
of the run (:class:`AssignOptions`); applying creates the run. The wizard
(``stock.lot.assign``) only collects the input and shows the preview;
scripts and JSON-RPC clients call :meth:`StockLotAssignRun.check_assignment`
and :meth:`StockLotAssignRun.apply_assignment`.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .lot_assign_parsing import AssignOptions

ASSIGN_MODES = [
    ("single_lot", "One lot for all"),
    ("lot_per_location", "One lot per location"),
    ("serials", "Generated serial numbers"),
    ("import", "Import a list or a file"),
    ("manual", "Manual lines"),
]


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


class StockLotAssignRunLine(models.Model):
    _name = "stock.lot.assign.run.line"
    _description = "Retroactive Lot/Serial Assignment Line"
    _order = "run_id, id"

    run_id = fields.Many2one(
        "stock.lot.assign.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    row = fields.Integer()
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    location_id = fields.Many2one("stock.location", required=True, readonly=True)
    package_id = fields.Many2one("stock.package", readonly=True)
    owner_id = fields.Many2one("res.partner", readonly=True)
    in_date = fields.Datetime(string="Incoming Date", readonly=True)
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", readonly=True, index=True
    )
    quantity = fields.Float(digits="Product Unit", readonly=True)
    # indexed: the recall mass balance joins the history lines on it
    move_line_id = fields.Many2one(
        "stock.move.line", string="History Line", readonly=True, index="btree_not_null"
    )

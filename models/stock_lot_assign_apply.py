# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The apply of a retroactive assignment (``stock.lot.assign.run``): in a
savepoint (all or nothing), validate the rows again under lock, release and
redo the reservations, allocate the rows to the untracked quants first in
first out, create the lots and split the quants
(``stock_lot_assign_split.py``), by batches in a background job.

Nothing goes through ``_action_done``: no quantity enters or leaves a
valued location, so no valuation is created.
"""

import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

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


class StockLotAssignRun(models.Model):
    _inherit = "stock.lot.assign.run"

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

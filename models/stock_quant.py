# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..exceptions import TraceabilityValidationError
from ..tools import quantity_format, traceability_invariants
from .stock_move_line import LINES_CHECKED


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo's stock.move.line._action_done frees reservations with
        # ``quants_cache=None``; when that re-reserves and has to create a
        # quant (a concurrent transaction holds the existing quant's row
        # lock), Odoo's create() subscripts the None cache and the user gets
        # a server error (seen under load, dev/bench/load/). No cache, no key.
        if (
            "quants_cache" in self.env.context
            and self.env.context["quants_cache"] is None
        ):
            context = dict(self.env.context)
            del context["quants_cache"]
            self = self.with_env(self.env(context=context))
        return super().create(vals_list)

    @api.constrains("quantity", "lot_id", "location_id")
    def _check_traceability_quantity(self):
        """Quant-level guard of one unit per serial (A2) and no phantom lots
        (A3) for the paths that change quants without validating move lines
        (direct quant updates, edits of done move lines, imports): a serial
        number is on hand at most once across the company's internal and
        transit locations, and no internal location holds a negative quantity
        of a lot.

        Move lines being done are checked as a batch beforehand
        (``stock.move.line._check_traceability_rules``), so this guard steps
        aside for them and keeps validation free of per-line queries."""
        if self.env.context.get("traceability_lines_checked") is LINES_CHECKED:
            return
        strict = self.location_id.company_id._traceability_strict_companies()
        quants = self.filtered(
            lambda q: q.lot_id
            and q.location_id.usage in ("internal", "transit")
            and q.location_id.company_id in strict
        )
        if not quants:
            return
        lots = quants.lot_id
        lots._traceability_lock()
        rows = self.env.execute_query(
            SQL(
                "SELECT lot_id, location_id, company_id, quantity FROM (%s) net",
                traceability_invariants.lot_stock(lot_ids=lots.ids),
                to_flush=self._fields["quantity"],
            )
        )
        by_location = {(lot_id, loc_id): qty for lot_id, loc_id, _c, qty in rows}
        by_company = defaultdict(float)
        for lot_id, _loc_id, company_id, qty in rows:
            if qty > 0:
                by_company[(lot_id, company_id)] += qty
        errors = []
        for quant in quants:
            errors += quant._traceability_quant_errors(by_location, by_company)
        if errors:
            raise TraceabilityValidationError(
                self.env._(
                    "Strict traceability refused this stock update:\n%(lines)s",
                    lines="\n".join(sorted(set(errors))),
                )
            )

    def _traceability_quant_errors(self, by_location, by_company):
        self.ensure_one()
        company = self.location_id.company_id
        uom = self.product_id.uom_id
        errors = []
        here = by_location.get((self.lot_id.id, self.location_id.id), 0.0)
        if (
            company.traceability_no_phantom_lots
            and self.location_id.usage == "internal"
            and uom.compare(here, 0) < 0
        ):
            errors.append(
                self.env._(
                    "- %(product)s, %(lot)s: %(qty)s in %(location)s; a "
                    "lot/serial number cannot be taken where it is not on hand",
                    product=self.product_id.display_name,
                    lot=self.lot_id.name,
                    qty=quantity_format.format_quantity(self.env, here, uom),
                    location=self.location_id.display_name,
                )
            )
        total = by_company.get((self.lot_id.id, company.id), 0.0)
        if (
            company.traceability_single_unit
            and self.product_id.tracking == "serial"
            and uom.compare(total, 1) > 0
        ):
            errors.append(
                self.env._(
                    "- %(product)s, serial number %(lot)s: %(qty)s on hand; a "
                    "serial number is on hand at most once",
                    product=self.product_id.display_name,
                    lot=self.lot_id.name,
                    qty=quantity_format.format_quantity(self.env, total, uom),
                )
            )
        return errors

    # ------------------------------------------------------------------
    # Reservation (A6 blocked lots, A7 lots past their removal date)
    # ------------------------------------------------------------------

    def _get_reserve_quantity(
        self,
        product_id,
        location_id,
        quantity,
        uom_id=None,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
    ):
        # The reservation entry point: only here are blocked or removed lots
        # filtered out of ``_gather``; quant updates of done moves still see
        # every quant.
        quants = self
        if self._reserve_only_reservable_lots(product_id, location_id):
            quants = self.with_context(slt_reservable_lots_only=True)
        return super(StockQuant, quants)._get_reserve_quantity(
            product_id,
            location_id,
            quantity,
            uom_id=uom_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    def _get_gather_domain(
        self,
        product_id,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
    ):
        domain = super()._get_gather_domain(
            product_id,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )
        if self.env.context.get("slt_reservable_lots_only"):
            domain &= self._get_reservable_lot_domain()
        return domain

    def _reserve_only_reservable_lots(self, product_id, location_id):
        """Whether reservation skips blocked lots and lots past their removal
        date. No context lifts it: blocked lots move to quarantine through
        lines that name them, never through reservation."""
        if product_id.tracking == "none":
            return False
        return self.env["res.company"]._traceability_strict(location_id.company_id)

    def _get_reservable_lot_domain(self):
        now = fields.Datetime.now()
        return Domain("lot_id", "=", False) | (
            Domain("lot_id.is_blocked", "=", False)
            & (
                Domain("lot_id.removal_date", "=", False)
                | Domain("lot_id.removal_date", ">", now)
            )
        )

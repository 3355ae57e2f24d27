# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..exceptions import TraceabilityValidationError


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.constrains("quantity", "lot_id", "location_id")
    def _check_traceability_quantity(self):
        """Quant-level guard of A2 and A3 for the paths that change quants
        without validating move lines (direct quant updates, edits of done
        move lines, imports): a serial number is on hand at most once across
        the company's internal and transit locations, and no internal
        location holds a negative quantity of a lot.

        Move lines being done are checked as a batch beforehand
        (``stock.move.line._check_traceability_rules``), so this guard steps
        aside for them and keeps validation free of per-line queries."""
        if self.env.context.get("traceability_lines_checked"):
            return
        quants = self.filtered(
            lambda q: q.lot_id
            and q.location_id.usage in ("internal", "transit")
            and q.location_id.company_id.strict_traceability
        )
        if not quants:
            return
        lots = quants.lot_id
        self.env.execute_query(
            SQL(
                """
                UPDATE stock_lot SET write_date = write_date
                 WHERE id IN (SELECT id FROM stock_lot WHERE id = ANY(%s)
                               ORDER BY id FOR NO KEY UPDATE)
                """,
                sorted(lots.ids),
            )
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT quant.lot_id, quant.location_id, loc.company_id,
                       COALESCE(SUM(quant.quantity), 0)
                  FROM stock_quant quant
                  JOIN stock_location loc ON loc.id = quant.location_id
                 WHERE quant.lot_id = ANY(%s)
                   AND loc.usage IN ('internal', 'transit')
                 GROUP BY quant.lot_id, quant.location_id, loc.company_id
                """,
                lots.ids,
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
                    "- %(product)s, %(lot)s: %(qty)s %(uom)s in %(location)s; a "
                    "lot/serial number cannot be taken where it is not on hand",
                    product=self.product_id.display_name,
                    lot=self.lot_id.name,
                    qty=here,
                    uom=uom.name,
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
                    "- %(product)s, serial number %(lot)s: %(qty)s units on hand; a "
                    "serial number is on hand at most once",
                    product=self.product_id.display_name,
                    lot=self.lot_id.name,
                    qty=total,
                )
            )
        return errors

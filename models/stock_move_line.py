# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from ..exceptions import TraceabilityError


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _action_done(self):
        self._check_traceability_rules()
        return super()._action_done()

    # ------------------------------------------------------------------
    # Strict traceability: one error listing every offending line
    # ------------------------------------------------------------------

    def _get_traceability_rule_checks(self):
        """Return the rule methods run before move lines are done.

        Each method receives the lines under strict traceability and returns
        a list of violations, as made by ``_traceability_violation``. Extend
        this list (call ``super()``) to add a rule.
        """
        return []

    def _traceability_strict_lines(self):
        """Lines whose company enforces the strict rules."""
        return self.filtered(lambda ml: ml.company_id.strict_traceability)

    def _traceability_violation(self, reason):
        """One violation on one line: product, lot/serial, location, document."""
        self.ensure_one()
        return {
            "line": self,
            "reason": reason,
        }

    def _format_traceability_violations(self, violations):
        lines = []
        for violation in violations:
            ml = violation["line"]
            lines.append(
                self.env._(
                    "- %(product)s, lot/serial %(lot)s, %(src)s → %(dest)s, "
                    "%(document)s: %(reason)s",
                    product=ml.product_id.display_name,
                    lot=ml.lot_id.name or ml.lot_name or self.env._("(none)"),
                    src=ml.location_id.display_name,
                    dest=ml.location_dest_id.display_name,
                    document=ml.reference or ml.move_id.reference or "",
                    reason=violation["reason"],
                )
            )
        return "\n".join(lines)

    def _check_traceability_rules(self):
        lines = self._traceability_strict_lines()
        if not lines:
            return
        violations = []
        for check in lines._get_traceability_rule_checks():
            violations += check(lines)
        if violations:
            raise TraceabilityError(
                self.env._(
                    "Strict traceability blocked this validation:\n%(lines)s",
                    lines=self._format_traceability_violations(violations),
                )
            )

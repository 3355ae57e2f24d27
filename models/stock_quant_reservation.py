# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reservation filter of the lot lifecycle rules (A6 blocked lots, A7 lots
past their removal date), kept apart from ``stock_quant.py`` (A1-A3 rules)."""

from odoo import fields, models
from odoo.fields import Domain


class StockQuant(models.Model):
    _inherit = "stock.quant"

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
        date (``slt_allow_blocked_reservation`` in the context lifts it, e.g.
        to move blocked lots into quarantine)."""
        if product_id.tracking == "none" or self.env.context.get(
            "slt_allow_blocked_reservation"
        ):
            return False
        company = location_id.company_id or self.env.company
        return bool(company.strict_traceability)

    def _get_reservable_lot_domain(self):
        now = fields.Datetime.now()
        return Domain("lot_id", "=", False) | (
            Domain("lot_id.is_blocked", "=", False)
            & (
                Domain("lot_id.removal_date", "=", False)
                | Domain("lot_id.removal_date", ">", now)
            )
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The integrity rules cost the same number of queries for 10 or 100 lines."""

from .common import TraceabilityCase


class TestIntegrityQueryCount(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial = cls.builder.create_product("Counter", tracking="serial")
        cls.vendor = cls.builder.create_partner("Counter Vendor")
        cls.customer = cls.builder.create_partner("Counter Customer")

    def _picking(self, picking_type, src, dest, lines):
        return self.builder.prepare_picking(
            picking_type,
            self.vendor,
            src,
            dest,
            {self.serial: [dict(line, quantity=1) for line in lines]},
        )

    def _receipt(self, prefix, count):
        return self._picking(
            self.warehouse.in_type_id,
            self.vendor.property_stock_supplier,
            self.stock_location,
            [{"lot_name": f"{prefix}-{i:04d}"} for i in range(count)],
        )

    def _delivery(self, prefix, count):
        receipt = self._receipt(prefix, count)
        receipt.button_validate()
        return self._picking(
            self.warehouse.out_type_id,
            self.stock_location,
            self.customer.property_stock_customer,
            [{"lot_id": lot.id} for lot in receipt.move_line_ids.lot_id],
        )

    def _count_rule_queries(self, picking):
        """Queries of the rule checks (lot locks included), cold cache."""
        lines = picking.move_line_ids
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        lines._check_traceability_rules()
        return self.cr.sql_log_count - before

    def test_receipt_rules_do_not_grow_with_lines(self):
        small = self._count_rule_queries(self._receipt("QC-IN-A", 10))
        big = self._receipt("QC-IN-B", 100)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(small):
            big.move_line_ids._check_traceability_rules()

    def test_delivery_rules_do_not_grow_with_lines(self):
        small = self._count_rule_queries(self._delivery("QC-OUT-A", 10))
        big = self._delivery("QC-OUT-B", 100)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(small):
            big.move_line_ids._check_traceability_rules()

    def _validation_overhead(self, make_picking, count, run=0):
        """Queries of validating with the rules on minus with them off."""
        counts = {}
        for strict in (True, False):
            self.company.strict_traceability = strict
            picking = make_picking(
                f"QC-{make_picking.__name__}-{strict}-{count}-{run}", count
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            picking.button_validate()
            self.env.flush_all()
            counts[strict] = self.cr.sql_log_count - before
        self.company.strict_traceability = True
        return counts[True] - counts[False]

    def test_validation_overhead_does_not_grow_with_lines(self):
        """The whole validation: the rules' extra queries are the same for a
        10-line and a 100-line receipt or delivery."""
        for make_picking in (self._receipt, self._delivery):
            # Warm the caches (sequences, translations, ...) first.
            self._validation_overhead(make_picking, 2)
            # The fewest of two runs each: one query of Odoo's own caches
            # (warmed or not by the previous validation) came and went
            # between runs; a rule that grew with the lines would add
            # tens of queries to every run of the 100 lines.
            small, big = (
                min(
                    self._validation_overhead(make_picking, count, run)
                    for run in (1, 2)
                )
                for count in (10, 100)
            )
            self.assertEqual(small, big, make_picking.__name__)

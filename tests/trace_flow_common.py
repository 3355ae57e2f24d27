# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared assertions of the per-flow recall tests (no test of its own).

Each ``test_trace_flow_<flow>.py`` builds one Odoo flow through Odoo's own
actions and checks that the trace and the stored recall follow it.
"""

from unittest import SkipTest

from .test_recall_common import RecallCase


class TraceFlowCase(RecallCase):
    @classmethod
    def _require_apps(cls, *modules):
        """Skip the class unless every module of ``modules`` is installed."""
        module_model = cls.env["ir.module.module"]
        missing = [
            name for name in modules if module_model._get(name).state != "installed"
        ]
        if missing:
            raise SkipTest(f"this flow needs the apps {', '.join(missing)} installed")

    @classmethod
    def _traced_recall(cls, lots, direction="downstream"):
        recall = cls._new_recall(lots, direction=direction)
        recall.action_trace()
        return recall

    @staticmethod
    def _events(recall, lot):
        """Event types of ``lot`` in the recall, in the order of its lines
        (date, then id: Odoo dates some lines back, e.g. a subcontracting
        order before its receipt)."""
        events = recall.event_ids.filtered(lambda e: e.lot_id == lot)
        return [
            event.event_type
            for event in events.sorted(
                lambda e: (e.move_line_id.date, e.move_line_id.id, e.event_type)
            )
        ]

    def assertLots(self, found, expected):
        """Same lots (order ignored), readable when they differ."""
        self.assertEqual(self._lot_keys(found), self._lot_keys(expected))

    @staticmethod
    def _lot_keys(lots):
        return sorted(
            (lot.product_id.display_name, lot.name, lot.company_id.name or "")
            for lot in lots
        )

    @staticmethod
    def _stock(recall, kind):
        """``{(lot, location): quantity}`` of the recall's ``kind`` stock rows."""
        totals = {}
        for row in recall.stock_ids.filtered(lambda s: s.kind == kind):
            key = (row.lot_id, row.location_id)
            totals[key] = totals.get(key, 0.0) + row.quantity
        return totals

    def assertFullyAccounted(self, recall, lots):
        """``lots`` are exactly the affected lots, each 100 % accounted."""
        affected = recall.affected_lot_ids
        self.assertLots(affected.lot_id, lots)
        for line in affected:
            self.assertEqual(
                (line.lot_id.name, line.balance_pct, line.qty_unexplained),
                (line.lot_id.name, 100.0, 0.0),
                f"mass balance of {line.lot_id.name}: in {line.qty_in}, "
                f"accounted {line.qty_accounted}",
            )
        self.assertEqual(recall.qty_unexplained, 0.0)

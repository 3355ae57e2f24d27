# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared assertions of the per-flow recall tests (no test of its own).

Each ``test_trace_flow_<flow>.py`` builds one Odoo flow through Odoo's own
actions and checks that the trace and the stored recall follow it.
"""

from unittest import SkipTest

from odoo.fields import Command
from odoo.tests import Form

from .common_recall import RecallCase


class TraceFlowCase(RecallCase):
    @classmethod
    def _grant_groups(cls, *xmlids):
        """Give the test user the groups that show the form fields a flow
        fills in (as an administrator enables them in the settings)."""
        for xmlid in xmlids:
            cls.env.user.group_ids += cls.env.ref(xmlid)

    @classmethod
    def _require_apps(cls, *modules):
        """Skip the class unless every module of ``modules`` is installed."""
        module_model = cls.env["ir.module.module"]
        missing = [
            name for name in modules if module_model._get(name).state != "installed"
        ]
        if missing:
            raise SkipTest(f"this flow needs the apps {', '.join(missing)} installed")

    # ------------------------------------------------------------------
    # Manufacturing through Odoo's forms and buttons
    # ------------------------------------------------------------------

    @classmethod
    def _bom(cls, product, components, bom_type="normal", **vals):
        """A BoM of one ``product`` from ``{component: qty}``."""
        return cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 1.0,
                "type": bom_type,
                "bom_line_ids": [
                    Command.create({"product_id": component.id, "product_qty": qty})
                    for component, qty in components.items()
                ],
                **vals,
            }
        )

    @classmethod
    def _confirmed_mo(cls, bom, qty):
        """A manufacturing order of ``qty`` made with ``bom``, confirmed and
        reserved (components are taken by the removal strategy)."""
        mo_form = Form(cls.env["mrp.production"])
        mo_form.product_id = bom.product_id
        mo_form.bom_id = bom
        mo_form.product_qty = qty
        production = mo_form.save()
        production.action_confirm()
        production.action_assign()
        return production

    @classmethod
    def _set_producing(cls, production, lots, qty=None):
        """Produce ``qty`` (default: all) into ``lots`` (manufacturing form)."""
        mo_form = Form(production)
        mo_form.qty_producing = qty or production.product_qty
        mo_form.lot_producing_ids.set(lots)
        return mo_form.save()

    @classmethod
    def _mark_done(cls, production):
        """Mark done; when less than planned was produced, the backorder
        wizard creates the backorder. Returns the backorder, if any."""
        action = production.button_mark_done()
        backorder = cls.env["mrp.production"]
        if isinstance(action, dict) and action.get("res_model"):
            assert action["res_model"] == "mrp.production.backorder", action
            Form.from_action(cls.env, action).save().action_backorder()
            backorder = production.production_group_id.production_ids.filtered(
                lambda mo: mo.state not in ("done", "cancel")
            )
        assert production.state == "done", production.state
        return backorder

    @classmethod
    def _generate_serials(cls, production, first_serial, count):
        """Serials of ``production`` through Odoo's serial wizard
        (``action_generate_serial`` → generate → apply)."""
        action = production.action_generate_serial()
        wizard = Form.from_action(cls.env, action)
        wizard.lot_name = first_serial
        wizard.lot_quantity = count
        action = wizard.save().action_generate_serial_numbers()
        Form.from_action(cls.env, action).save().action_apply()
        return production.lot_producing_ids

    @classmethod
    def _produce(cls, bom, qty, lot_name):
        """A done manufacturing order of ``qty`` into a new lot ``lot_name``."""
        production = cls._confirmed_mo(bom, qty)
        lot = cls.env["stock.lot"].create(
            {"name": lot_name, "product_id": bom.product_id.id}
        )
        cls._set_producing(production, lot)
        cls._mark_done(production)
        return production

    @classmethod
    def _unbuild(cls, production, lot, qty):
        """Unbuild ``qty`` of ``lot`` made by ``production`` (unbuild form)."""
        unbuild_form = Form(cls.env["mrp.unbuild"])
        unbuild_form.mo_id = production
        unbuild_form.lot_id = lot
        if lot.product_id.tracking != "serial":  # a serial is unbuilt whole
            unbuild_form.product_qty = qty
        unbuild = unbuild_form.save()
        unbuild.action_unbuild()
        return unbuild

    # ------------------------------------------------------------------
    # Reading a stored recall
    # ------------------------------------------------------------------

    def _traced_recall(self, lots, direction="downstream"):
        """A new recall of ``lots``, traced; its genealogy only draws what
        happened (every recall of the flow tests is checked)."""
        recall = self._new_recall(lots, direction=direction)
        recall.action_trace()
        self.assertGenealogyTrue(recall)
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
        self.assertEqual(recall.qty_unexplained_display, "0")

    @staticmethod
    def _on_hand(recall):
        """``{lot: quantity}`` on hand according to the recall."""
        totals = {}
        for row in recall.stock_ids.filtered(lambda s: s.kind == "on_hand"):
            totals[row.lot_id] = totals.get(row.lot_id, 0.0) + row.quantity
        return totals

    @staticmethod
    def _affected(recall, lot):
        return recall.affected_lot_ids.filtered(lambda rl: rl.lot_id == lot)

    def _count_trace_queries(self, lots):
        """Queries of ``lots._trace_downstream()`` on a cold cache."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        lots._trace_downstream()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields

from .common_assign import AssignCase


class TestHealthCheck(AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Health = cls.env["stock.traceability.health"]
        # Start from a clean database: only this test's findings count.
        cls.baseline = {
            (
                f["category"],
                f.get("product_id"),
                f.get("lot_id"),
                f.get("picking_type_id"),
            )
            for f in Health._collect_findings()
        }
        cls.product = cls._create_untracked_product("Health Meter", "HEALTH-METER")
        cls._put_stock(cls.product, cls.shelf1, 3)
        cls._track(cls.product, "serial")

    def _findings(self, category=None):
        findings = [
            f
            for f in self.env["stock.traceability.health"]._collect_findings()
            if (
                f["category"],
                f.get("product_id"),
                f.get("lot_id"),
                f.get("picking_type_id"),
            )
            not in self.baseline
        ]
        if category:
            findings = [f for f in findings if f["category"] == category]
        return findings

    def _lot(self, product, name, **vals):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": product.id, **vals}
        )

    def test_untracked_stock_then_clean_after_assignment(self):
        findings = self._findings()
        self.assertEqual(len(findings), 1)
        self.assertEqual(findings[0]["category"], "untracked_stock")
        self.assertEqual(findings[0]["product_id"], self.product.id)
        self.assertEqual(float(findings[0]["quantity"]), 3)
        # The finding's fix is the wizard on this product.
        record = self.env["stock.traceability.health"].create(findings)
        action = record.action_fix()
        self.assertEqual(action["res_model"], "stock.lot.assign")
        wizard = (
            self.env["stock.lot.assign"]
            .with_context(action["context"])
            .create({"name_prefix": "HM-"})
        )
        self.assertEqual(wizard.product_ids, self.product)
        self.assertEqual(wizard.mode, "serials")
        wizard.action_apply()
        # Retroactive lots have their history: no "no incoming" finding.
        self.assertEqual(self._findings(), [])

    def test_lot_findings(self):
        """Duplicate / negative / history-less / expired / blocked lots.

        These states are what strict rules prevent; they are made with the
        rules off, as on a database that predates the add-on."""
        self.company.strict_traceability = False
        self._apply_assignment()
        Quant = self.env["stock.quant"]
        serial = self._lot(self.product, "HEALTH-DUP")
        Quant._update_available_quantity(self.product, self.shelf2, 1, lot_id=serial)
        Quant._update_available_quantity(self.product, self.shelf3, 1, lot_id=serial)
        negative = self._lot(self.product, "HEALTH-NEG")
        Quant._update_available_quantity(self.product, self.shelf2, -1, lot_id=negative)
        food = self._create_untracked_product(
            "Health Food", use_expiration_date=True, expiration_time=10
        )
        self._track(food, "lot")
        expired = self._lot(
            food,
            "HEALTH-EXP",
            expiration_date=fields.Datetime.now() - timedelta(days=2),
        )
        blocked = self._lot(food, "HEALTH-BLK")
        blocked.sudo().write({"is_blocked": True, "blocked_reason": "Test"})
        Quant._update_available_quantity(food, self.shelf1, 5, lot_id=expired)
        Quant._update_available_quantity(food, self.shelf1, 5, lot_id=blocked)

        by_category = {}
        for finding in self._findings():
            by_category.setdefault(finding["category"], []).append(finding)
        self.assertEqual(
            [f["lot_id"] for f in by_category["serial_duplicate"]], [serial.id]
        )
        self.assertEqual(
            [f["lot_id"] for f in by_category["negative_lot"]], [negative.id]
        )
        self.assertEqual(by_category["negative_lot"][0]["location_id"], self.shelf2.id)
        self.assertEqual(
            sorted(f["lot_id"] for f in by_category["no_incoming"]),
            sorted([serial.id, expired.id, blocked.id]),
        )
        self.assertEqual(
            [f["lot_id"] for f in by_category["expired_saleable"]], [expired.id]
        )
        self.assertEqual(
            [f["lot_id"] for f in by_category["blocked_saleable"]], [blocked.id]
        )
        # Fix: open the lot.
        record = self.env["stock.traceability.health"].create(
            by_category["negative_lot"]
        )
        action = record.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("stock.lot", negative.id)
        )

    def test_create_new_on_outgoing_type(self):
        out_type = self.warehouse.out_type_id
        out_type.sudo().use_create_lots = True
        findings = self._findings("create_new_outgoing")
        self.assertEqual([f["picking_type_id"] for f in findings], [out_type.id])
        action = self.env["stock.traceability.health"].create(findings).action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("stock.picking.type", out_type.id)
        )

    def test_menu_action(self):
        action = self.env["stock.traceability.health"].action_open()
        findings = self.env["stock.traceability.health"].search(action["domain"])
        self.assertIn("untracked_stock", findings.mapped("category"))
        self.assertEqual(action["res_model"], "stock.traceability.health")
        # Running it again replaces the previous findings of the user.
        again = self.env["stock.traceability.health"].action_open()
        self.assertFalse(findings.exists())
        self.assertTrue(self.env["stock.traceability.health"].search(again["domain"]))

    def test_collect_is_set_based(self):
        """The number of queries does not depend on the number of findings."""
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["stock.traceability.health"]._collect_findings()
        few = self.env.cr.sql_log_count - before
        self.company.strict_traceability = False
        for index in range(30):
            lot = self._lot(self.product, f"HEALTH-N{index}")
            self.env["stock.quant"]._update_available_quantity(
                self.product, self.shelf2, -1, lot_id=lot
            )
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        findings = self.env["stock.traceability.health"]._collect_findings()
        many = self.env.cr.sql_log_count - before
        self.assertGreaterEqual(len(findings), 31)
        self.assertEqual(few, many)

    def _apply_assignment(self):
        self.env["stock.lot.assign"].create(
            {"product_ids": self.product.ids, "mode": "serials", "name_prefix": "HA-"}
        ).action_apply()

    def test_findings_show_units_and_list_groups_open(self):
        """Quantities with their unit, never summed across units in the
        list's group rows; the list opens with its groups expanded."""
        flour = self._create_untracked_product(
            "Health Flour", uom_id=self.env.ref("uom.product_uom_kgm").id
        )
        self._put_stock(flour, self.shelf1, 2.5)
        self._track(flour, "lot")
        [finding] = [
            f for f in self._findings("untracked_stock") if f["product_id"] == flour.id
        ]
        self.assertEqual(
            finding["description"], "2.50 kg on hand without lot/serial number"
        )
        health = self.env["stock.traceability.health"]
        self.assertFalse(health._fields["quantity"].aggregator)
        arch = health.get_view(view_type="list")["arch"]
        self.assertIn('expand="1"', arch)
        self.assertIn('name="uom_id"', arch)

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A7: expired lots are not shipped (block / manager override / warn) nor
consumed in manufacturing; lots past their removal date are not reserved."""

import unittest
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form
from odoo.tools.misc import format_datetime

from ..exceptions import TraceabilityError
from .common import TraceabilityCase, TraceabilityChainBuilder


class TestIntegrityExpiry(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.builder.create_product(
            "Yoghurt", tracking="lot", expiration_time=20, removal_time=5
        )
        cls.vendor = cls.builder.create_partner("Dairy")
        cls.customer = cls.builder.create_partner("Shop")
        now = fields.Datetime.now()
        cls.builder.receive(
            cls.product,
            {"YOG-EXPIRED": 5, "YOG-FRESH": 5},
            cls.vendor,
            expiration_dates={
                "YOG-EXPIRED": now - timedelta(days=2),
                "YOG-FRESH": now + timedelta(days=60),
            },
        )
        cls.expired_lot, cls.fresh_lot = cls.builder.get_lots(
            cls.product, ["YOG-EXPIRED", "YOG-FRESH"]
        )

    def _delivery(self, lot, qty=2, user=None):
        """A delivery of ``lot`` ready to validate (lot set, picked)."""
        env = self.env(user=user) if user else self.env
        return TraceabilityChainBuilder(env, self.warehouse).prepare_picking(
            self.warehouse.out_type_id,
            self.customer,
            self.stock_location,
            self.customer.property_stock_customer,
            {self.product: [{"lot_id": lot.id, "quantity": qty}]},
        )

    def _confirm_dialog(self, picking, reason=None):
        """Validate through the expiry confirmation dialog, as a user does."""
        action = picking.button_validate()
        self.assertEqual(action["res_model"], "expiry.picking.confirmation")
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(picking.env.user)
            .with_context(**action["context"])
        )
        if reason is not None:
            wizard_form.override_reason = reason
        return wizard_form.save().process()

    # --- block (default) -----------------------------------------------

    def test_default_policy_is_block(self):
        self.assertEqual(self.company.expired_lot_policy, "block")

    def test_settings_explain_the_lifecycle_rules(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        for setting in (
            "lot_name_format_setting",
            "lot_immutability_setting",
            "blocked_lots_setting",
            "expired_lot_policy_setting",
        ):
            self.assertIn(setting, arch)
        settings = self.env["res.config.settings"].create(
            {"expired_lot_policy": "warn"}
        )
        settings.execute()
        self.assertEqual(self.company.expired_lot_policy, "warn")

    def test_expired_lot_refused_after_confirmation_dialog(self):
        """Standard Odoo ships it once the dialog is confirmed."""
        picking = self._delivery(self.expired_lot)
        with self.assertRaisesRegex(TraceabilityError, "YOG-EXPIRED.*expired on"):
            self._confirm_dialog(picking)
        self.assertNotEqual(picking.state, "done")

    def test_expiry_date_in_user_time_zone(self):
        """The error gives the expiry date as the user reads dates, not
        Odoo's UTC storage."""
        self.env.user.tz = "Asia/Tokyo"
        picking = self._delivery(self.expired_lot)
        expiry = self.expired_lot.expiration_date
        with self.assertRaises(TraceabilityError) as error:
            picking._action_done()
        message = str(error.exception)
        self.assertIn(format_datetime(self.env, expiry, tz="Asia/Tokyo"), message)
        self.assertNotIn(fields.Datetime.to_string(expiry), message)

    def test_expired_lot_refused_on_action_done(self):
        """Standard Odoo skips even the dialog when _action_done is called."""
        picking = self._delivery(self.expired_lot)
        with self.assertRaisesRegex(TraceabilityError, "YOG-EXPIRED"):
            picking._action_done()
        with self.assertRaisesRegex(TraceabilityError, "YOG-EXPIRED"):
            picking.move_ids.move_line_ids._action_done()

    def test_fresh_lot_ships(self):
        picking = self._delivery(self.fresh_lot)
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def test_block_policy_ignores_a_manager_reason(self):
        picking = self._delivery(self.expired_lot, user=self.stock_manager)
        with self.assertRaises(TraceabilityError):
            picking.with_context(
                slt_expired_lot_reason="Customer agreed"
            )._action_done()

    # --- override --------------------------------------------------------

    def test_override_by_manager_with_reason_is_logged(self):
        self.company.expired_lot_policy = "override"
        picking = self._delivery(self.expired_lot, user=self.stock_manager)
        self._confirm_dialog(picking, reason="Sold for animal feed, customer agreed")
        self.assertEqual(picking.state, "done")
        for record in (self.expired_lot, picking):
            bodies = "\n".join(record.message_ids.mapped("body"))
            self.assertIn("Sold for animal feed, customer agreed", bodies)
            self.assertIn(self.stock_manager.name, bodies)

    def test_override_needs_a_reason_and_a_manager(self):
        self.company.expired_lot_policy = "override"
        picking = self._delivery(self.expired_lot, user=self.stock_manager)
        with self.assertRaisesRegex(TraceabilityError, "stock manager"):
            self._confirm_dialog(picking)
        picking = self._delivery(self.expired_lot, user=self.stock_user)
        with self.assertRaises(TraceabilityError):
            picking.with_context(slt_expired_lot_reason="I want to")._action_done()

    # --- warn ------------------------------------------------------------

    def test_warn_policy_only_warns(self):
        self.company.expired_lot_policy = "warn"
        picking = self._delivery(self.expired_lot)
        self._confirm_dialog(picking)
        self.assertEqual(picking.state, "done")

    def test_master_switch_off_is_standard(self):
        self.company.strict_traceability = False
        picking = self._delivery(self.expired_lot)
        picking._action_done()
        self.assertEqual(picking.state, "done")

    # --- reservation -----------------------------------------------------

    def test_lot_past_removal_date_not_reserved(self):
        """product_expiry compares removal dates with the move's scheduled
        date; a move scheduled in the past would still reserve the lot."""
        self.expired_lot.write(
            {
                "expiration_date": fields.Datetime.now() + timedelta(days=3),
                "removal_date": fields.Datetime.now() - timedelta(days=1),
            }
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "scheduled_date": fields.Datetime.now() - timedelta(days=10),
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 10,
                            "location_id": self.stock_location.id,
                            "location_dest_id": (
                                self.customer.property_stock_customer.id
                            ),
                            "date": fields.Datetime.now() - timedelta(days=10),
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.move_line_ids.lot_id, self.fresh_lot)
        self.assertEqual(sum(picking.move_line_ids.mapped("quantity")), 5)

    # --- manufacturing -----------------------------------------------------

    def test_expired_component_not_consumed(self):
        if not self.builder.has_mrp:
            raise unittest.SkipTest("mrp is not installed")
        finished = self.builder.create_product("Smoothie", tracking="lot")
        # Past the expiry dialog of mrp_product_expiry, as a confirming user.
        builder = type(self.builder)(
            self.env(context=dict(self.env.context, skip_expired=True))
        )
        with self.assertRaisesRegex(TraceabilityError, "YOG-EXPIRED"):
            builder.manufacture(
                finished, {"SMO-1": 1}, {self.product: {"YOG-EXPIRED": 1}}
            )
        builder.manufacture(finished, {"SMO-2": 1}, {self.product: {"YOG-FRESH": 1}})

    def test_expired_component_manager_override_in_manufacturing(self):
        if not self.builder.has_mrp or (
            "production_ids" not in self.env["expiry.picking.confirmation"]._fields
        ):
            raise unittest.SkipTest("mrp_product_expiry is not installed")
        self.company.expired_lot_policy = "override"
        admin_env = self.env(user=self.env.ref("base.user_admin"))
        builder = type(self.builder)(admin_env)
        finished = builder.create_product("Yoghurt cake", tracking="lot")
        # mrp_product_expiry asks for a confirmation first.
        try:
            builder.manufacture(
                finished, {"CAKE-1": 1}, {self.product: {"YOG-EXPIRED": 1}}
            )
        except AssertionError as error:
            self.assertIn("expiry.picking.confirmation", str(error))
        else:
            self.fail("the expiry confirmation was not asked")
        production = admin_env["mrp.production"].search(
            [("product_id", "=", finished.id)]
        )
        action = production.button_mark_done()
        wizard_form = Form(
            admin_env[action["res_model"]].with_context(**action["context"])
        )
        wizard_form.override_reason = "Cake for the quality lab only"
        wizard_form.save().confirm_produce()
        self.assertEqual(production.state, "done")
        bodies = "\n".join(self.expired_lot.message_ids.mapped("body"))
        self.assertIn("Cake for the quality lab only", bodies)

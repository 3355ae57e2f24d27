# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What validation would refuse is flagged while typing on the move line (as
Odoo flags a serial number typed twice): case and space variants of an
existing lot/serial, of another line's, and blocked lots."""

from odoo.tests import Form

from ..exceptions import TraceabilityError
from .common import TraceabilityCase

ONCHANGE_LOGGER = "odoo.tests.form.onchange"


class TestIntegrityTyping(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("stock.group_production_lot")
        cls.serial = cls.builder.create_product("Typing Drill", tracking="serial")
        cls.bulk = cls.builder.create_product("Typing Resin", tracking="lot")
        cls.vendor = cls.builder.create_partner("Typing Vendor")
        cls.builder.receive(cls.serial, {"TD-Serial-01": 1}, cls.vendor)
        cls.builder.receive(cls.bulk, {"RESIN-A": 5, "RESIN-B": 5}, cls.vendor)
        cls.sn_01 = cls.builder.get_lots(cls.serial, ["TD-Serial-01"])
        cls.resin_a, cls.resin_b = cls.builder.get_lots(
            cls.bulk, ["RESIN-A", "RESIN-B"]
        )
        cls.resin_b._action_block("Supplier recall R-7")

    def _move_form(self, product, picking_type=None):
        """The detailed operations of a new confirmed transfer of
        ``product``, emptied, as a user starts typing."""
        picking_type = picking_type or self.warehouse.in_type_id
        picking = self.builder.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": self.vendor.id,
                "location_id": picking_type.default_location_src_id.id
                or self.vendor.property_stock_supplier.id,
                "location_dest_id": picking_type.default_location_dest_id.id
                or self.stock_location.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": 2,
                            "location_id": picking_type.default_location_src_id.id
                            or self.vendor.property_stock_supplier.id,
                            "location_dest_id": picking_type.default_location_dest_id.id
                            or self.stock_location.id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        return picking, Form(picking.move_ids, view="stock.view_stock_move_operations")

    def _warnings(self, move_form, **values):
        """The onchange warnings raised while typing ``values`` on a new line."""
        try:
            with self.assertLogs(ONCHANGE_LOGGER, "WARNING") as logs:
                with move_form.move_line_ids.new() as line:
                    for name, value in values.items():
                        setattr(line, name, value)
        except AssertionError:
            # assertLogs fails when nothing is logged: no warning
            return []
        return [record.getMessage() for record in logs.records]

    def test_case_variant_of_existing_serial(self):
        _picking, move_form = self._move_form(self.serial)
        warnings = self._warnings(move_form, lot_name="td-serial-01", quantity=1)
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("td-serial-01 is already used by TD-Serial-01", warnings[0])
        self.assertIn("Typing Drill", warnings[0])
        # the exact name is Odoo's own case (the serial is on hand): not ours
        _picking, move_form = self._move_form(self.serial)
        warnings = self._warnings(move_form, lot_name="TD-Serial-01", quantity=1)
        self.assertFalse([w for w in warnings if "already used by" in w], warnings)
        # and a new number is silent
        self.assertFalse(self._warnings(move_form, lot_name="TD-Serial-02", quantity=1))

    def test_space_variant_of_other_line(self):
        picking, move_form = self._move_form(self.serial)
        self.assertFalse(self._warnings(move_form, lot_name="TD-NEW-7", quantity=1))
        move_form.save()
        move_form = Form(picking.move_ids, view="stock.view_stock_move_operations")
        # surrounding spaces are trimmed on entry (strict rules): what is
        # left differs from the other line in case only
        warnings = self._warnings(move_form, lot_name="  td-new-7  ", quantity=1)
        self.assertTrue(
            [
                w
                for w in warnings
                if "td-new-7 is typed as TD-NEW-7 on another line" in w
            ],
            warnings,
        )
        move_form.save()
        picking.move_ids.picked = True
        # what the warning announced: validation refuses it
        with self.assertRaisesRegex(TraceabilityError, "received twice"):
            picking.button_validate()

    def test_blocked_lot_typed_or_selected(self):
        _picking, move_form = self._move_form(self.bulk)
        warnings = self._warnings(move_form, lot_name="RESIN-B", quantity=1)
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("RESIN-B is blocked (Supplier recall R-7)", warnings[0])
        self.assertFalse(self._warnings(move_form, lot_name="RESIN-A", quantity=1))
        # a delivery picking the blocked lot by its record
        customer = self.builder.create_partner("Typing Customer")
        picking = self._create_delivery(self.bulk, 1, customer)
        picking.move_ids.move_line_ids.unlink()
        move_form = Form(picking.move_ids, view="stock.view_stock_move_operations")
        warnings = self._warnings(move_form, lot_id=self.resin_b, quantity=1)
        self.assertTrue([w for w in warnings if "RESIN-B is blocked" in w], warnings)
        self.assertFalse(
            [
                w
                for w in self._warnings(move_form, lot_id=self.resin_a, quantity=1)
                if "blocked" in w
            ]
        )

    def test_one_query_per_typed_name(self):
        def line(name):
            return self.env["stock.move.line"].new(
                {
                    "product_id": self.serial.id,
                    "company_id": self.company.id,
                    "lot_name": name,
                    "location_dest_id": self.stock_location.id,
                }
            )

        self.assertFalse(line("TD-OTHER")._get_traceability_lot_warnings())
        variant = line("td-serial-01")
        self.env.flush_all()
        # the check is one query; naming the lot in the warning reads more
        with self.assertQueryCount(1):
            lot = variant._get_traceability_lot_by_key("td-serial-01")
        self.assertEqual(lot, self.sn_01)
        self.assertTrue(variant._get_traceability_lot_warnings())

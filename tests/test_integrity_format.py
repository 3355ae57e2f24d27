# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A4: lot/serial name format, normalisation and GS1 element strings."""

from datetime import datetime

from odoo import Command
from odoo.tests import Form

from ..exceptions import TraceabilityValidationError
from .common import TraceabilityCase


class TestIntegrityFormat(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env["product.category"].create(
            {
                "name": "Serialised devices",
                "lot_name_pattern": r"SN-\d{3,6}",
                "lot_name_min_length": 6,
                "lot_name_max_length": 9,
                "lot_name_uppercase": True,
            }
        )
        cls.device = cls.builder.create_product(
            "Device", tracking="serial", categ_id=cls.category.id
        )
        cls.plain = cls.builder.create_product("Plain lot product", tracking="lot")
        cls.gs1_product = cls.builder.create_product(
            "GS1 product",
            tracking="lot",
            barcode="09506000134352",
            expiration_time=30,
        )
        cls.vendor = cls.builder.create_partner("Format Vendor")

    def _create_lot(self, name, product=None):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": (product or self.device).id}
        )

    def _receipt(self, product, lines):
        """A confirmed receipt of ``product`` with ``lines`` (move line vals)."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.vendor.id,
                "location_id": self.vendor.property_stock_supplier.id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 3,
                            "location_id": self.vendor.property_stock_supplier.id,
                            "location_dest_id": self.stock_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    # --- normalisation ------------------------------------------------

    def test_normalisation_without_format(self):
        lot = self._create_lot("  lot\x07-\u200b7 \t", self.plain)
        self.assertEqual(lot.name, "lot-7")
        lot.name = "\nlot-8  "
        self.assertEqual(lot.name, "lot-8")

    def test_normalisation_upper_case_from_category(self):
        lot = self._create_lot("  sn-0042 ")
        self.assertEqual(lot.name, "SN-0042")

    def test_master_switch_off_keeps_standard(self):
        self.company.strict_traceability = False
        lot = self._create_lot(" whatever ")
        self.assertEqual(lot.name, " whatever ")

    # --- pattern and length -------------------------------------------

    def test_pattern_and_length_refused_listing_every_name(self):
        with self.assertRaisesRegex(TraceabilityValidationError, "SN-1") as error:
            self.env["stock.lot"].create(
                [
                    {"name": "SN-1", "product_id": self.device.id},
                    {"name": "XX-123", "product_id": self.device.id},
                    {"name": "SN-1234567", "product_id": self.device.id},
                ]
            )
        message = str(error.exception)
        self.assertIn("XX-123", message)
        self.assertIn("SN-1234567", message)
        self.assertIn("shorter than 6", message)
        self.assertIn("longer than 9", message)
        self.assertIn("does not match the pattern", message)

    def test_rename_checked(self):
        lot = self._create_lot("SN-100")
        with self.assertRaises(TraceabilityValidationError):
            lot.name = "nope"

    def test_sub_category_inherits_parent_format(self):
        child = self.env["product.category"].create(
            {"name": "Phones", "parent_id": self.category.id}
        )
        phone = self.builder.create_product(
            "Phone", tracking="serial", categ_id=child.id
        )
        self.assertEqual(self._create_lot("sn-555", phone).name, "SN-555")
        with self.assertRaises(TraceabilityValidationError):
            self._create_lot("PH-555", phone)

    def test_product_override_wins(self):
        self.device.product_tmpl_id.write(
            {
                "lot_format_override": True,
                "lot_name_pattern": r"DV\d+",
                "lot_name_uppercase": False,
            }
        )
        self.assertEqual(self._create_lot("DV77").name, "DV77")
        with self.assertRaises(TraceabilityValidationError):
            self._create_lot("SN-777")

    def test_invalid_pattern_definition_refused(self):
        with self.assertRaises(TraceabilityValidationError):
            self.category.lot_name_pattern = "SN-(["
        with self.assertRaises(TraceabilityValidationError):
            self.category.write({"lot_name_min_length": 10, "lot_name_max_length": 5})

    # --- move lines: typing, generate, import ---------------------------

    def test_move_line_lot_name_typed_normalised_and_checked(self):
        picking = self._receipt(self.device, [])
        move = picking.move_ids
        move.move_line_ids.unlink()
        line = self.env["stock.move.line"].create(
            dict(move._prepare_move_line_vals(), lot_name=" sn-0007\r\n", quantity=1)
        )
        self.assertEqual(line.lot_name, "SN-0007")
        with self.assertRaisesRegex(TraceabilityValidationError, "BAD"):
            line.lot_name = "BAD"
        with self.assertRaisesRegex(TraceabilityValidationError, "XX-9"):
            self.env["stock.move.line"].create(
                dict(move._prepare_move_line_vals(), lot_name="XX-9", quantity=1)
            )

    def test_form_detailed_operations(self):
        picking = self._receipt(self.device, [])
        move = picking.move_ids
        move.move_line_ids.unlink()
        with Form(move, view="stock.view_stock_move_operations") as move_form:
            with move_form.move_line_ids.new() as line:
                line.lot_name = "  sn-321 "
                self.assertEqual(line.lot_name, "SN-321")
                line.quantity = 1
        self.assertEqual(move.move_line_ids.lot_name, "SN-321")
        move_form = Form(move, view="stock.view_stock_move_operations")
        with move_form.move_line_ids.new() as line:
            line.lot_name = "wrong"
            line.quantity = 1
        with self.assertRaises(TraceabilityValidationError):
            move_form.save()

    def test_generate_serials(self):
        self.assertEqual(
            [
                vals["lot_name"]
                for vals in self.env["stock.lot"].generate_lot_names(" sn-009\t", 2)
            ],
            ["sn-009", "sn-010"],
        )
        picking = self._receipt(self.device, [])
        move = picking.move_ids
        move.move_line_ids.unlink()
        move._generate_serial_numbers("sn-098", next_serial_count=3)
        self.assertEqual(
            sorted(ml.lot_id.name or ml.lot_name for ml in move.move_line_ids),
            ["SN-098", "SN-099", "SN-100"],
        )
        # Operation types that look lots up by name create them normalised.
        self.warehouse.in_type_id.use_existing_lots = True
        move.move_line_ids.unlink()
        move._generate_serial_numbers("sn-198", next_serial_count=2)
        self.assertEqual(
            sorted(move.move_line_ids.mapped("lot_id.name")), ["SN-198", "SN-199"]
        )
        with self.assertRaises(TraceabilityValidationError):
            move._generate_serial_numbers("XX-1", next_serial_count=2)

    def test_import_serials(self):
        picking = self._receipt(self.device, [])
        move = picking.move_ids
        context_data = {
            "default_product_id": self.device.id,
            "default_tracking": "serial",
            "default_quantity": 2,
            "default_location_dest_id": self.stock_location.id,
            "default_picking_type_id": self.warehouse.in_type_id.id,
            "default_company_id": self.company.id,
            "default_move_id": move.id,
        }
        vals_list = self.env["stock.move"].action_generate_lot_line_vals(
            context_data, "import", False, 0, "sn-201\n sn-202 "
        )
        # The client saves the lines: their names are normalised then.
        lines = self.env["stock.move.line"].create(
            [
                {
                    # Many2one values come formatted for the web client.
                    key: value["id"] if isinstance(value, dict) else value
                    for key, value in vals.items()
                    if key in self.env["stock.move.line"]._fields
                }
                for vals in vals_list
            ]
        )
        self.assertEqual(sorted(lines.mapped("lot_name")), ["SN-201", "SN-202"])
        # With lots looked up by name, they are created normalised.
        context_data["force_lot_m2o"] = True
        vals_list = self.env["stock.move"].action_generate_lot_line_vals(
            context_data, "import", False, 0, "sn-301\n sn-302 "
        )
        lots = self.env["stock.lot"].browse(
            [vals["lot_id"]["id"] for vals in vals_list]
        )
        self.assertEqual(sorted(lots.mapped("name")), ["SN-301", "SN-302"])
        with self.assertRaisesRegex(TraceabilityValidationError, "nope"):
            self.env["stock.move"].action_generate_lot_line_vals(
                context_data, "import", False, 0, "SN-303\nnope"
            )

    # --- GS1 ------------------------------------------------------------

    def test_gs1_element_string_decomposed(self):
        lot = self._create_lot(
            "(01)09506000134352(17)291231(10)ABC123", self.gs1_product
        )
        self.assertEqual(lot.name, "ABC123")
        self.assertEqual(lot.expiration_date, datetime(2029, 12, 31))
        # Raw scan with a symbology identifier and FNC1 separators.
        lot = self._create_lot(
            "]C10109506000134352\x1d10XYZ9\x1d17300630", self.gs1_product
        )
        self.assertEqual(lot.name, "XYZ9")
        self.assertEqual(lot.expiration_date, datetime(2030, 6, 30))

    def test_gs1_typed_in_lot_form(self):
        lot_form = Form(self.env["stock.lot"])
        lot_form.product_id = self.gs1_product
        lot_form.name = " (01)09506000134352(17)291231(10)frm-1"
        self.assertEqual(lot_form.name, "frm-1")
        lot = lot_form.save()
        self.assertEqual(lot.name, "frm-1")
        self.assertEqual(lot.expiration_date, datetime(2029, 12, 31))

    def test_gs1_serial_ai_21_for_serial_products(self):
        self.device.barcode = "07612345678900"
        lot = self._create_lot("(01)07612345678900(10)LOT1(21)sn-4242")
        self.assertEqual(lot.name, "SN-4242")

    def test_gs1_gtin_must_match_product(self):
        with self.assertRaisesRegex(TraceabilityValidationError, "not the barcode"):
            self._create_lot("(01)04012345000016(10)ABC", self.gs1_product)
        with self.assertRaisesRegex(TraceabilityValidationError, "check digit"):
            self._create_lot("(01)09506000134353(10)ABC", self.gs1_product)

    def test_gs1_on_move_line_sets_expiry(self):
        picking = self._receipt(self.gs1_product, [])
        move = picking.move_ids
        move.move_line_ids.unlink()
        line = self.env["stock.move.line"].create(
            dict(
                move._prepare_move_line_vals(),
                lot_name="(01)09506000134352(17)291130(10)L-77",
                quantity=3,
            )
        )
        self.assertEqual(line.lot_name, "L-77")
        self.assertEqual(line.expiration_date, datetime(2029, 11, 30))
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(line.lot_id.name, "L-77")
        self.assertEqual(line.lot_id.expiration_date, datetime(2029, 11, 30))

    def test_gs1_long_name_flagged(self):
        self.env.ref("base.group_user").implied_ids = [
            Command.link(self.env.ref("stock.group_stock_lot_print_gs1").id)
        ]
        lot = self._create_lot("L" * 21, self.plain)
        self.assertTrue(lot.gs1_name_too_long)
        self.assertFalse(self._create_lot("L" * 20, self.plain).gs1_name_too_long)

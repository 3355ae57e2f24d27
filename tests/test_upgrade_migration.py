# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""In-place upgrades: the 19.0.1.1.0 migration and the data reloaded by -u.

The whole upgrade (old release installed, filled, upgraded) is checked by
``make upgrade-check``; these tests pin the pieces on a test database.
"""

from odoo.fields import Command
from odoo.modules.module import load_script
from odoo.tools.convert import convert_file

from ..tools import lot_naming
from .common import TraceabilityCase

MIGRATION = "stock_lot_traceability/migrations/19.0.1.1.0/post-migrate.py"


class TestUpgradeMigration(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = load_script(MIGRATION, "slt_post_migrate_19_0_1_1_0")
        cls.lot_product = cls.builder.create_product("Upg Flour", tracking="lot")
        cls.serial_product = cls.builder.create_product("Upg Box", tracking="serial")
        cls.company.serial_uniqueness_scope = "company"
        Lot = cls.env["stock.lot"]
        cls.lots = Lot.create(
            [
                {"name": "UPG-L-1", "product_id": cls.lot_product.id},
                {"name": "UPG-L-2", "product_id": cls.lot_product.id},
                {"name": "UPG-SN-1", "product_id": cls.serial_product.id},
            ]
        )
        cls.keyed = Lot.create(
            {"name": "UPG-SN-2", "product_id": cls.serial_product.id}
        )
        cls.other_company = cls.env["res.company"].create(
            {"name": "Upg No Rules", "strict_traceability": False}
        )
        cls.off_lot = Lot.with_company(cls.other_company).create(
            {
                "name": "UPG-OFF-1",
                "product_id": cls.lot_product.id,
                "company_id": cls.other_company.id,
            }
        )
        cls.env.flush_all()
        # Loaded without the ORM: no keys, and one name already taken
        # (the name of a serial already keyed, in the company's scope).
        cls.env.cr.execute(
            """
            INSERT INTO stock_lot (name, product_id, company_id, create_uid,
                                   create_date, write_uid, write_date)
            VALUES (' upg-sn-2 ', %s, NULL, 1, now(), 1, now()) RETURNING id
            """,
            [cls.serial_product.id],
        )
        cls.duplicate = Lot.browse(cls.env.cr.fetchone()[0])
        cls.env.cr.execute(
            """
            UPDATE stock_lot
               SET traceability_name_key = NULL, traceability_unique_key = NULL
             WHERE id = ANY(%s)
            """,
            [cls.lots.ids],
        )
        cls.env.invalidate_all()

    def _keys(self):
        self.env.cr.execute(
            """
            SELECT id, traceability_name_key, traceability_unique_key
              FROM stock_lot ORDER BY id
            """
        )
        return self.env.cr.fetchall()

    def _migrate(self, version="19.0.1.0.0"):
        self.migration.migrate(self.env.cr, version)
        self.env.invalidate_all()

    def test_keys_filled_as_the_orm_computes_them(self):
        keyed_before = self.keyed.traceability_unique_key
        self._migrate()
        for lot in self.lots:
            name_key = lot._get_traceability_name_key(lot.name)
            self.assertEqual(lot.traceability_name_key, name_key)
            self.assertEqual(
                lot.traceability_unique_key, lot._traceability_build_key(name_key)
            )
        # the products are shared: lots without company, in the scope of
        # the current company ("company" here)
        self.assertFalse(self.lots.company_id)
        company = 0
        self.assertEqual(
            self.lots.mapped("traceability_unique_key"),
            [
                f"P|{company}|{self.lot_product.id}|upg-l-1",
                f"P|{company}|{self.lot_product.id}|upg-l-2",
                f"C|{company}|upg-sn-1",
            ],
        )
        self.assertEqual(self.keyed.traceability_unique_key, keyed_before)
        self.assertFalse(self.off_lot.traceability_unique_key)

    def test_unusual_names_keyed_as_the_orm_keys_them(self):
        """Names PostgreSQL does not trim or lower-case as Python does (an
        information separator, a no-break space, non-ASCII capitals): the
        migration gives them the key of the ORM's definition, not another
        one of its own."""
        names = ["\x1cUPG-FS", "UPG-NBSP\u00a0", "ÄRGER-UPG", "\tUPG-TAB ", " \u00a0 "]
        lots = self.env["stock.lot"].create(
            [
                {"name": f"UPG-U-{index}", "product_id": self.lot_product.id}
                for index in range(len(names))
            ]
        )
        self.env.flush_all()
        for lot, name in zip(lots, names, strict=True):
            self.env.cr.execute(
                """
                UPDATE stock_lot
                   SET name = %s,
                       traceability_name_key = NULL,
                       traceability_unique_key = NULL
                 WHERE id = %s
                """,
                [name, lot.id],
            )
        self.env.invalidate_all()
        self._migrate()
        expected = [lot_naming.name_key(name) or False for name in names]
        self.assertEqual(lots.mapped("traceability_name_key"), expected)
        self.assertEqual(expected[:3], ["upg-fs", "upg-nbsp", "ärger-upg"])
        for lot in lots:
            self.assertEqual(
                lot.traceability_unique_key,
                lot._traceability_build_key(lot._get_traceability_name_key(lot.name)),
                repr(lot.name),
            )
        self.assertFalse(lots[-1].traceability_unique_key)

    def test_duplicate_left_without_key_and_logged(self):
        with self.assertLogs(
            "odoo.addons.stock_lot_traceability.migrations", "WARNING"
        ) as logs:
            self._migrate()
        self.assertEqual(self.duplicate.traceability_name_key, "upg-sn-2")
        self.assertFalse(self.duplicate.traceability_unique_key)
        self.assertIn("1 lots keep no uniqueness key", logs.output[0])
        self.assertIn(" upg-sn-2 ", logs.output[0])

    def test_second_run_and_fresh_install_change_nothing(self):
        before = self._keys()
        self._migrate(version=False)
        self.assertEqual(self._keys(), before)
        self._migrate()
        after = self._keys()
        self.assertNotEqual(after, before)
        self._migrate()
        self.assertEqual(self._keys(), after)

    def test_data_reload_with_recalls(self):
        """-u reloads the add-on's data files; with a recall in the database
        Odoo renders a rewritten mail template on it, without the notice's
        values: the template must not be rewritten (noupdate)."""
        self.env["stock.recall"].create(
            {"lot_ids": [Command.set(self.keyed.ids)], "reason": "Upgrade"}
        )
        template = self.env.ref(
            "stock_lot_traceability.mail_template_stock_recall_notice"
        )
        template.subject = "Customised by the user"
        convert_file(
            self.env, "stock_lot_traceability", "data/mail_template_data.xml", {}
        )
        self.assertEqual(template.subject, "Customised by the user")

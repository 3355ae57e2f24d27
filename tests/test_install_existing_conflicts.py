# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Installing on a database that already breaks the rules.

The tests run after the install, so the database of an older Odoo is
simulated: lots that standard Odoo allows ("ABC", "abc", " ABC ") made with
the rules off, the unique key index dropped, then the code path of install
(``registry.init_models``), upgrade (``init``) and registry load
(``_register_hook``) run again on it.
"""

from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger, sql

from ..exceptions import TraceabilityValidationError
from ..models.stock_lot import UNIQUE_KEY_INDEX
from ..tools import lot_naming
from .common_assign import AssignCase

LOGGER = "odoo.addons.stock_lot_traceability.models.stock_lot"


class TestInstallExistingConflicts(AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.strict_traceability = False
        cls.flour = cls._create_untracked_product("Conflict Flour", "C-FLOUR")
        cls.meter = cls._create_untracked_product("Conflict Meter", "C-METER")
        cls._track(cls.flour, "lot")
        cls._track(cls.meter, "serial")
        cls.flour_lots = cls._lots(cls.flour, ["ABC", "abc", " ABC "])
        cls._adjust(cls.flour_lots[0], cls.shelf1, 5)
        cls._adjust(cls.flour_lots[1], cls.shelf1, 3)
        cls._adjust(cls.flour_lots[1], cls.shelf2, 2)
        # Two serials on hand that differ by case: merging would count twice.
        cls.serials = cls._lots(cls.meter, ["SN-1", "sn-1"])
        cls._adjust(cls.serials[0], cls.shelf1, 1)
        cls._adjust(cls.serials[1], cls.shelf2, 1)
        # A serial received then counted out: its twin can absorb its history.
        cls.history_serials = cls._lots(cls.meter, ["SN-3", "sn-3 "])
        cls._adjust(cls.history_serials[0], cls.shelf1, 1)
        cls._adjust(cls.history_serials[1], cls.shelf3, 1)
        cls._adjust(cls.history_serials[1], cls.shelf3, 0)
        # The other problems the rules forbid, made the same way.
        Quant = cls.env["stock.quant"]
        cls.twice, cls.negative, cls.no_history = cls._lots(
            cls.meter, ["SN-TWICE", "SN-NEG", "SN-NOHIST"]
        )
        Quant._update_available_quantity(cls.meter, cls.shelf1, 1, lot_id=cls.twice)
        Quant._update_available_quantity(cls.meter, cls.shelf2, 1, lot_id=cls.twice)
        Quant._update_available_quantity(cls.meter, cls.shelf2, -1, lot_id=cls.negative)
        Quant._update_available_quantity(
            cls.meter, cls.shelf3, 1, lot_id=cls.no_history
        )
        # The database before the add-on: no index; keys as install fills them.
        cls.env.flush_all()
        cls.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(UNIQUE_KEY_INDEX)))
        cls.company.strict_traceability = True
        cls.env.flush_all()

    @classmethod
    def _lots(cls, product, names):
        return cls.env["stock.lot"].create(
            [{"name": name, "product_id": product.id} for name in names]
        )

    @classmethod
    def _adjust(cls, lot, location, qty):
        """An inventory adjustment: a done move line with the lot."""
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": lot.product_id.id,
                "location_id": location.id,
                "lot_id": lot.id,
                "inventory_quantity": qty,
            }
        ).action_apply_inventory()

    def _snapshot(self):
        self.env.flush_all()
        return [
            self.env.execute_query(SQL(query))
            for query in (
                "SELECT id, name, product_id, company_id, write_date,"
                " traceability_unique_key FROM stock_lot ORDER BY id",
                "SELECT id, lot_id, location_id, quantity, reserved_quantity"
                " FROM stock_quant ORDER BY id",
                "SELECT id, lot_id, state, quantity FROM stock_move_line ORDER BY id",
            )
        ]

    def _findings(self, category):
        return [
            f
            for f in self.env["stock.traceability.health"]._collect_findings()
            if f["category"] == category
        ]

    def _index_exists(self):
        return bool(sql.index_exists(self.env.cr, UNIQUE_KEY_INDEX))

    def _settings_warning(self):
        return self.env["res.config.settings"].create({}).traceability_guarantee_warning

    def _wizard(self, lots, user=None, **vals):
        env = self.env(user=user or self.stock_manager)
        action = env["stock.lot"].browse(lots.ids).action_open_deduplicate_wizard()
        return (
            env[action["res_model"]]
            .with_context(action["context"])
            .create({"reason": "Legacy import typed the same label twice", **vals})
        )

    def test_install_path_keeps_data_and_reports(self):
        before = self._snapshot()
        with (
            self.assertLogs("odoo.schema", "ERROR") as schema_logs,
            self.assertLogs(LOGGER, "WARNING") as our_logs,
        ):
            # What `-i` runs on the model (`-u` runs the same with install=False).
            self.registry.init_models(
                self.env.cr,
                ["stock.lot"],
                {"module": "stock_lot_traceability"},
                install=True,
            )
            self.env["stock.lot"]._register_hook()
        self.assertIn(UNIQUE_KEY_INDEX, schema_logs.output[0])
        self.assertIn(
            "3 groups of lots/serial numbers share a name", our_logs.output[0]
        )
        self.assertEqual(self._snapshot(), before, "install changed existing data")
        self.assertFalse(self._index_exists())

        findings = self._findings("unique_key_conflict")
        groups = {
            frozenset(f["lot_ids"][0][2]): f
            for f in findings
            if set(f["lot_ids"][0][2]) <= set(self._all_conflicting().ids)
        }
        self.assertEqual(
            set(groups),
            {
                frozenset(self.flour_lots.ids),
                frozenset(self.serials.ids),
                frozenset(self.history_serials.ids),
            },
        )
        flour = groups[frozenset(self.flour_lots.ids)]
        self.assertEqual(flour["product_id"], self.flour.id)
        self.assertEqual(flour["quantity"], 10)
        self.assertIn("3 lots share this name", flour["description"])
        self.assertIn(
            "'abc' ([C-FLOUR] Conflict Flour, 5 Units on hand)", flour["description"]
        )
        self.assertIn(
            "' ABC ' ([C-FLOUR] Conflict Flour, 0 Units on hand)", flour["description"]
        )
        # The finding is stored (list view) and its fix is the wizard.
        record = self.env["stock.traceability.health"].create(flour)
        self.assertEqual(record.lot_ids, self.flour_lots)
        action = record.with_user(self.stock_manager).action_fix()
        self.assertEqual(action["res_model"], "stock.lot.deduplicate")

        # The other pre-existing problems are listed too, nothing refused.
        self.assertIn(
            self.twice.id, [f["lot_id"] for f in self._findings("serial_duplicate")]
        )
        self.assertIn(
            self.negative.id, [f["lot_id"] for f in self._findings("negative_lot")]
        )
        self.assertIn(
            self.no_history.id, [f["lot_id"] for f in self._findings("no_incoming")]
        )

        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn('name="traceability_guarantee_warning"', arch)
        warning = self._settings_warning()
        self.assertIn("Serial uniqueness is not enforced by the database", warning)
        self.assertIn("3 groups of lots/serial numbers share a name", warning)

        # New operations are still checked, index or not.
        with self.assertRaisesRegex(TraceabilityValidationError, "must be unique"):
            self._lots(self.flour, ["Abc"])

    def _all_conflicting(self):
        return self.flour_lots | self.serials | self.history_serials

    def test_upgrade_and_registry_load_paths(self):
        before = self._snapshot()
        with self.assertLogs(LOGGER, "WARNING"):
            self.env["stock.lot"].init()
        with self.assertLogs(LOGGER, "WARNING"):
            self.env["stock.lot"]._register_hook()
        self.assertEqual(self._snapshot(), before)
        self.assertFalse(self._index_exists())
        # Fixed by other means (here: renamed): the next load creates it.
        for lots in (self.flour_lots, self.serials, self.history_serials):
            for index, lot in enumerate(lots[1:], start=2):
                lot._action_correct_name(f"{lot.name.strip()}-{index}", "test")
        self.env["stock.lot"]._register_hook()
        self.assertTrue(self._index_exists())
        self.assertFalse(self._settings_warning())

    def test_rename_fix(self):
        wizard = self._wizard(self.flour_lots)
        self.assertEqual(wizard.mode, "rename")
        lines = {line.lot_id: line for line in wizard.line_ids}
        self.assertEqual(
            [lines[lot].quantity for lot in self.flour_lots], [5.0, 5.0, 0.0]
        )
        lines[self.flour_lots[1]].new_name = "ABC-2"
        lines[self.flour_lots[2]].new_name = "ABC-3"
        result = wizard.action_apply()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn(
            "2 groups of lots still share a name", result["params"]["message"]
        )
        self.assertEqual(self.flour_lots.mapped("name"), ["ABC", "ABC-2", "ABC-3"])
        self.assertIn(
            "Legacy import typed the same label twice",
            self.flour_lots[1].message_ids[0].body,
        )
        self.assertEqual(
            self.flour_lots[1].message_ids[0].author_id,
            self.stock_manager.partner_id,
        )
        self.assertFalse(self._index_exists())
        # The remaining groups, then the index is back and the warning gone.
        for lots in (self.serials, self.history_serials):
            wizard = self._wizard(lots)
            line = wizard.line_ids.filtered(
                lambda line, lot=lots[1]: line.lot_id == lot
            )
            line.new_name = f"{lots[0].name}-B"
            result = wizard.action_apply()
        self.assertEqual(result["params"]["type"], "success")
        self.assertTrue(self._index_exists())
        self.assertFalse(self._settings_warning())
        self.assertFalse(self._findings("unique_key_conflict"))
        # The database refuses duplicates again, below the application checks.
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_lot SET traceability_unique_key = %s WHERE id = %s",
                    self.flour_lots[0].traceability_unique_key,
                    self.flour_lots[1].id,
                )
            )

    def test_merge_fix(self):
        kept, merged, empty = self.flour_lots
        merged_lines = self.env["stock.move.line"].search([("lot_id", "=", merged.id)])
        self.assertTrue(merged_lines)
        merged.message_post(body="Note on the merged lot")
        wizard = self._wizard(self.flour_lots, mode="merge", keep_lot_id=kept.id)
        wizard.action_apply()
        self.assertFalse((merged | empty).exists())
        self.assertEqual(merged_lines.lot_id, kept)
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", kept.id), ("location_id.usage", "=", "internal")]
        )
        by_location = {q.location_id: q.quantity for q in quants}
        self.assertEqual(by_location, {self.shelf1: 8.0, self.shelf2: 2.0})
        self.assertEqual(
            len(quants.filtered(lambda q: q.location_id == self.shelf1)), 1
        )
        self.assertEqual(kept.product_qty, 10)
        bodies = kept.message_ids.mapped("body")
        self.assertTrue(any("Legacy import typed" in body for body in bodies))
        self.assertTrue(any("Note on the merged lot" in body for body in bodies))
        # A serial with history and no stock merges into its on-hand twin.
        serial, twin = self.history_serials
        self._wizard(
            self.history_serials, mode="merge", keep_lot_id=serial.id
        ).action_apply()
        self.assertFalse(twin.exists())
        self.assertEqual(serial.product_qty, 1)
        self.assertEqual(
            self.env["stock.move.line"].search_count([("lot_id", "=", serial.id)]), 3
        )

    def test_merge_keeps_reservations_then_delivery_validates(self):
        """A delivery reserved on the lots before the merge ships the kept lot."""
        customer = self.env["res.partner"].create({"name": "Merge Customer"})
        picking = self._create_delivery(self.flour, 10, customer)
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.move_line_ids.lot_id, self.flour_lots[:2])
        kept = self.flour_lots[0]
        self._wizard(self.flour_lots, mode="merge", keep_lot_id=kept.id).action_apply()
        self.assertEqual(picking.move_line_ids.lot_id, kept)
        internal = self.env["stock.quant"].search(
            [("lot_id", "=", kept.id), ("location_id.usage", "=", "internal")]
        )
        self.assertEqual(sum(internal.mapped("reserved_quantity")), 10)
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(kept.product_qty, 0)
        self.assertFalse(
            [f for f in self._findings("negative_lot") if f["lot_id"] == kept.id]
        )

    def test_merge_refused_for_serial_on_hand_twice(self):
        before = self._snapshot()
        wizard = self._wizard(
            self.serials, mode="merge", keep_lot_id=self.serials[0].id
        )
        with self.assertRaisesRegex(UserError, "on hand more than once") as error:
            wizard.action_apply()
        self.assertIn("SN-1: 1 in WH/Stock/Shelf 1", str(error.exception))
        self.assertIn("sn-1: 1 in WH/Stock/Shelf 2", str(error.exception))
        self.assertEqual(self._snapshot(), before)

    def test_merge_refused_when_both_lots_are_in_one_recall(self):
        """A recall's stored results list each lot once: merging two of its
        lots would make that snapshot lie, so the merge is refused whole."""
        recall = self.env["stock.recall"].create(
            {"reason": "Merge test", "lot_ids": [Command.set(self.flour_lots[:2].ids)]}
        )
        recall.action_trace()
        self.assertEqual(
            set(recall.affected_lot_ids.lot_id.ids), set(self.flour_lots[:2].ids)
        )
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "cannot be merged"):
            self.flour_lots._action_merge_into(self.flour_lots[0], "test")
        self.assertEqual(self._snapshot(), before)

    def test_merge_refused_across_products(self):
        other = self._lots(self.meter, ["abc-x"])
        with self.assertRaisesRegex(UserError, "same product and company"):
            (self.flour_lots | other)._action_merge_into(self.flour_lots[0], "test")

    def test_manager_only(self):
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(self.stock_user).browse(
                self.flour_lots.ids
            ).action_open_deduplicate_wizard()
        with self.assertRaises(AccessError):
            self.env["stock.lot.deduplicate"].with_user(self.stock_user).create(
                {"lot_ids": self.flour_lots.ids, "reason": "x"}
            )
        finding = self.env["stock.traceability.health"].create(
            self._findings("unique_key_conflict")[:1]
        )
        with self.assertRaises(AccessError):
            finding.with_user(self.stock_user).action_fix()

    def test_scope_change_recreates_index(self):
        """Switching the rules off clears the keys: the index comes back, and
        switching them on again is then refused with the lots listed (not the
        index's bare message at flush, and never by dropping the index)."""
        self.company.strict_traceability = False
        self.assertTrue(self._index_exists())
        self.assertFalse(self._settings_warning())
        with self.assertRaisesRegex(
            TraceabilityValidationError, "' ABC ', 'ABC', 'abc'"
        ):
            self.company.strict_traceability = True
        self.assertTrue(self._index_exists())

    def test_install_keys_match_orm_keys(self):
        """Names PostgreSQL's btrim()/lower() do not normalise like Python's
        strip()/lower() get the ORM's key at install."""
        names = ["TAB\t", "tab", "ÄRGER", "ärger ", "Plain"]
        lots = self._lots(self.flour, [f"KEY-{index}" for index in range(5)])
        self.env.flush_all()
        # Names as older data may hold them, keys as the install fills them.
        for lot, name in zip(lots, names, strict=True):
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_lot SET name = %s, traceability_name_key = NULL, "
                    "traceability_unique_key = NULL WHERE id = %s",
                    name,
                    lot.id,
                )
            )
        self.env["stock.lot"]._traceability_install_keys(
            SQL("lot.id = ANY(%s)", lots.ids)
        )
        lots.invalidate_recordset()
        for lot in lots:
            self.assertEqual(
                lot.traceability_unique_key,
                lot._traceability_build_key(lot._get_traceability_name_key(lot.name)),
                repr(lot.name),
            )
        conflicts = [
            set(ids)
            for _key, ids in self.env["stock.lot"]._traceability_unique_key_conflicts()
        ]
        self.assertIn(set(lots[:2].ids), conflicts)
        self.assertIn(set(lots[2:4].ids), conflicts)

    def test_key_sql_matches_python(self):
        """The SQL and the Python side of the key (lot_naming) agree on every
        name, scope and tracking, except the names the SQL side hands over
        to Python (tabs, line breaks, non-ASCII, blank)."""
        names = ["Plain", " Sp ace ", "TAB\t", "\nLF", "ÄRGER", "ärger ", "  ", "a|b"]
        cases = [
            (name, tracking, setting, company_id, product_id)
            for name in names
            for tracking in ("serial", "lot")
            for setting in ("product", "company", "global", None)
            for company_id, product_id in ((self.env.company.id, 7), (None, 8))
        ]
        values = SQL(", ").join(
            SQL("(%s, %s, %s, %s::int, %s::int)", *case) for case in cases
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT %s, %s FROM (VALUES %s) AS v(name, tracking, setting, "
                "company_id, product_id)",
                lot_naming.unique_key_sql(
                    lot_naming.scope_sql(SQL("v.tracking"), SQL("v.setting")),
                    lot_naming.name_key_sql(SQL("v.name")),
                    SQL("v.company_id"),
                    SQL("v.product_id"),
                ),
                lot_naming.sql_unsafe_name(SQL("v.name")),
                values,
            )
        )
        for (name, tracking, setting, company_id, product_id), (key, unsafe) in zip(
            cases, rows, strict=True
        ):
            python_key = lot_naming.unique_key(
                lot_naming.uniqueness_scope(tracking, setting),
                lot_naming.name_key(name),
                company_id,
                product_id,
            )
            if name.isascii() and name.isprintable() and name.strip():
                self.assertFalse(unsafe, repr(name))
                self.assertEqual(key, python_key, repr(name))
            else:
                self.assertTrue(unsafe, repr(name))


class TestInstallIndexCheckCost(AssignCase):
    def test_index_check_is_one_catalog_query(self):
        Lot = self.env["stock.lot"]
        self.assertTrue(sql.index_exists(self.env.cr, UNIQUE_KEY_INDEX))
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.assertTrue(Lot._traceability_ensure_unique_index())
        with self.assertQueryCount(1):
            Lot._register_hook()
        settings = self.env["res.config.settings"].create({})
        self.env.flush_all()
        settings.invalidate_recordset(["traceability_guarantee_warning"])
        with self.assertQueryCount(1):
            self.assertFalse(settings.traceability_guarantee_warning)

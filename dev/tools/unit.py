# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""make unit: the add-on's database-free unit and property tests under plain
unittest.

Reads the addons path of the development config (no database is opened),
so that the add-on is imported as ``odoo.addons.stock_lot_traceability`` as
Odoo's runner imports it; extra arguments go to unittest (e.g. ``-v``)::

    .venv/bin/python dev/tools/unit.py .odoorc [-v]
"""

import sys
import unittest

from odoo.modules.module import initialize_sys_path
from odoo.tools import config

UNIT_TEST_MODULES = [
    "odoo.addons.stock_lot_traceability.tests.test_lot_naming",
    "odoo.addons.stock_lot_traceability.tests.test_lot_assign_parsing",
    "odoo.addons.stock_lot_traceability.tests.test_property_lot_naming",
    "odoo.addons.stock_lot_traceability.tests.test_property_lot_assign_parsing",
    "odoo.addons.stock_lot_traceability.tests.test_property_epcis",
    "odoo.addons.stock_lot_traceability.tests.test_property_genealogy",
    "odoo.addons.stock_lot_traceability.tests.test_genealogy",
    "odoo.addons.stock_lot_traceability.tests.test_spreadsheet",
]

if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1]])
    initialize_sys_path()
    unittest.main(module=None, argv=[sys.argv[0], *sys.argv[2:], *UNIT_TEST_MODULES])

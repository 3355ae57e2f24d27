# Copyright 2026 stock_lot_traceability authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Stock Lot Traceability",
    "summary": "Strict lot/serial integrity, retroactive lot assignment "
    "and a recall workbench on the traceability graph",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "stock_lot_traceability authors",
    "website": "https://github.com/stock-lot-traceability/stock_lot_traceability",
    "maintainers": ["stock-lot-traceability"],
    "license": "LGPL-3",
    "depends": ["stock", "product_expiry", "mail", "barcodes_gs1_nomenclature"],
    "external_dependencies": {"python": ["openpyxl", "xlsxwriter"]},
    "data": [
        "security/stock_lot_traceability_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/stock_lot_views.xml",
        "views/stock_location_views.xml",
    ],
    "demo": [
        "demo/stock_lot_traceability_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_lot_traceability/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}

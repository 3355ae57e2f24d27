# Copyright 2026 stock_lot_traceability authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Stock Lot Traceability",
    "summary": "Strict lot/serial integrity, retroactive lot assignment "
    "and a recall workbench on the traceability graph",
    "version": "19.0.1.1.0",
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
        "data/ir_sequence_data.xml",
        "data/mail_template_data.xml",
        "data/stock_lot_assign_run_data.xml",
        "views/stock_lot_views.xml",
        "views/stock_location_views.xml",
        "views/stock_picking_type_views.xml",
        "views/stock_recall_views.xml",
        "views/product_category_views.xml",
        "views/product_template_views.xml",
        "views/product_product_views.xml",
        "views/stock_lot_assign_run_views.xml",
        "views/stock_traceability_health_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/stock_lot_block_views.xml",
        "wizards/stock_lot_correct_views.xml",
        "wizards/stock_lot_deduplicate_views.xml",
        "wizards/expiry_picking_confirmation_views.xml",
        "wizards/stock_lot_assign_views.xml",
        "wizards/stock_recall_product_views.xml",
        "wizards/stock_recall_vendor_views.xml",
        "report/stock_recall_report.xml",
    ],
    "demo": [
        "demo/stock_lot_traceability_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "stock_lot_traceability/static/src/js/traceability_error_dialogs.js",
        ],
        "web.assets_tests": [
            "stock_lot_traceability/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}

import { WarningDialog } from "@web/core/errors/error_dialogs";
import { registry } from "@web/core/registry";

/**
 * The add-on's exceptions (exceptions.py) subclass UserError and
 * ValidationError; the web client only knows Odoo's own classes by name and
 * would show them as a crash ("Oops!"). Show them as the warnings they are.
 */
registry
    .category("error_dialogs")
    .add("odoo.addons.stock_lot_traceability.exceptions.TraceabilityError", WarningDialog)
    .add(
        "odoo.addons.stock_lot_traceability.exceptions.TraceabilityValidationError",
        WarningDialog
    );

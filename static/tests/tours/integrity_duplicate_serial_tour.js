import { registry } from "@web/core/registry";

/**
 * A receipt's detailed operations: type a serial number that is already on
 * hand, validate; the add-on refuses, naming where the serial is.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_duplicate_serial", {
    steps: () => [
        {
            content: "Open the detailed operations of the move",
            trigger: ".o_list_view.o_field_x2many .o_data_row button[name='action_show_details']",
            run: "click",
        },
        {
            trigger: ".modal-content .modal-title:contains(Detailed Operations)",
        },
        {
            content: "Click the serial number cell of the line",
            trigger: ".modal-content .o_data_row .o_data_cell[name=lot_name]",
            run: "click",
        },
        {
            content: "Type the serial number that is already on hand",
            trigger: ".modal-content .o_data_row .o_field_widget[name=lot_name] input",
            run: "edit TOUR-SN-001",
        },
        {
            content: "Save the detailed operations",
            trigger: ".modal-footer .btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "Standard Odoo only warns about the duplicate: close the warning",
            trigger: ".modal-content:contains(already exists in location) .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Validate the receipt",
            trigger: ".o_form_view .btn-primary[name=button_validate]",
            run: "click",
        },
        {
            content: "The add-on's error names the serial and where it is",
            trigger:
                ".modal .modal-body:contains(Strict traceability blocked this validation):contains(TOUR-SN-001):contains(already on hand in WH/Stock)",
        },
        {
            content: "Close the error",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

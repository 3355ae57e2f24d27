import { registry } from "@web/core/registry";

/**
 * An inventory manager switches a product with 5 units on hand to serial
 * tracking, is told about the untracked stock, opens the wizard from the
 * "Untracked Stock" button, generates serials, previews, applies, and sees
 * the traceability health check without untracked stock.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_assign_serials", {
    steps: () => [
        {
            content: "The product form is open",
            trigger: ".o_form_view .o_field_widget[name=name] textarea:value(Tour Serial Widget), .o_form_view .o_field_widget[name=name] input:value(Tour Serial Widget)",
        },
        {
            content: "Open the tracking choices",
            trigger: ".o_form_view .o_field_widget[name=tracking] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Switch tracking to unique serial numbers",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(By Unique Serial Number)",
            run: "click",
        },
        {
            content: "The warning offers the retroactive assignment",
            trigger: ".modal:contains(Stock without lot/serial number):contains(Untracked Stock)",
        },
        {
            content: "Close the warning",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Save the product",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Open the Untracked Stock smart button",
            trigger: ".o_form_view button[name=action_open_lot_assign]:contains(Untracked Stock):contains(5)",
            run: "click",
        },
        {
            content: "The wizard lists the untracked quants",
            trigger: ".modal .o_field_widget[name=quant_ids] .o_data_row",
        },
        {
            content: "Serial prefix",
            trigger: ".modal .o_field_widget[name=name_prefix] input",
            run: "edit TOUR-SN-",
        },
        {
            content: "Preview",
            trigger: ".modal .modal-footer button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview lists one serial per unit",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(TOUR-SN-0005)",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The run shows its reference and its 5 serials",
            trigger: ".o_form_view:contains(RLA/) .o_field_widget[name=line_ids] .o_data_row:contains(TOUR-SN-0005)",
        },
        {
            content: "The run counts its 5 serials",
            trigger: "button[name=action_view_lots]:contains(5)",
        },
        {
            content: "Open Inventory reporting",
            trigger: ".o_main_navbar [data-menu-xmlid='stock.menu_warehouse_report']",
            run: "click",
        },
        {
            content: "Open the traceability health check",
            trigger: "[data-menu-xmlid='stock_lot_traceability.stock_traceability_health_menu']",
            run: "click",
        },
        {
            content: "The health check has no untracked stock any more",
            trigger: ".o_action_manager:has(.o_list_view, .o_view_nocontent):not(:has(.o_group_name:contains(untracked stock)))",
        },
    ],
});

/**
 * The import path: a pasted CSV list with one unknown product is refused
 * with one error naming the row; nothing is assigned.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_assign_import_error", {
    steps: () => [
        {
            content: "Open the Untracked Stock smart button",
            trigger: ".o_form_view button[name=action_open_lot_assign]:contains(Untracked Stock)",
            run: "click",
        },
        {
            content: "Choose the import",
            trigger: ".modal .o_field_widget[name=mode] input[data-value=import]",
            run: "click",
        },
        {
            content: "Paste a list with one bad row",
            trigger: ".modal .o_field_widget[name=import_text] textarea",
            async run(actions) {
                await actions.edit(
                    "TOUR-IMP;TOUR-LOC;TOUR-LOT-1;3\nNO-SUCH-PRODUCT;TOUR-LOC;TOUR-LOT-2;2"
                );
            },
        },
        {
            content: "Preview",
            trigger: ".modal .modal-footer button[name=action_preview]",
            run: "click",
        },
        {
            content: "One error names the bad row and its reason",
            trigger: ".modal:contains(Row 2 (TOUR-LOT-2): unknown product 'NO-SUCH-PRODUCT')",
        },
        {
            content: "Close the error",
            trigger: ".modal:contains(Row 2) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The wizard is still open, nothing was applied",
            trigger: ".modal .modal-footer button[name=action_preview]",
        },
    ],
});

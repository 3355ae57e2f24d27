import { registry } from "@web/core/registry";

/**
 * A recall manager opens the demo flour lot, starts a recall, traces it,
 * sees every customer who received a product made from it and quarantines
 * the on-hand stock. The PDF and the XLSX are checked by the Python test.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_recall", {
    steps: () => [
        {
            content: "The lot form is open",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(FLOUR-2026-001), .o_form_view .o_field_widget[name=name] input:value(FLOUR-2026-001)",
        },
        {
            content: "Start a recall from the lot",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_start_recall]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".o_form_view .o_field_widget[name=reason] textarea",
            run: "edit Listeria found in flour",
        },
        {
            content: "Trace",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_trace]",
            run: "click",
        },
        {
            content: "The recall is traced",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Traced)",
        },
        {
            content: "The mass balance holds",
            trigger: ".o_form_view .alert-success:contains(every affected lot is accounted for)",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Green Grocer received a product made from the lot",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Green Grocer Ltd)",
        },
        {
            content: "Corner Bakery too",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Corner Bakery)",
        },
        {
            content: "And Sunrise Supermarket",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Sunrise Supermarket)",
        },
        {
            content: "Quarantine",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_quarantine]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The recall is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "Open the on-hand stock",
            trigger: ".o_notebook a.nav-link:contains(On hand)",
            run: "click",
        },
        {
            content: "The stock is in quarantine",
            trigger: ".o_field_widget[name=on_hand_stock_ids] .o_data_row:contains(Quarantine)",
        },
    ],
});

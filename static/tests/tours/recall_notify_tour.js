import { registry } from "@web/core/registry";

/**
 * A recall manager opens a traced recall of the demo flour, clicks Notify,
 * reads a customer's message in the preview, leaves one customer out and
 * sends; the left-out customer is still offered, alone, and once sent the
 * Notify button is gone. The messages and records are checked in Python.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_recall_notify", {
    steps: () => [
        {
            content: "The traced recall is open",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Traced)",
        },
        {
            content: "Notify customers",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_notify]",
            run: "click",
        },
        {
            content: "The preview lists Corner Bakery with its lots",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Corner Bakery):contains(COOKIE-2026-003)",
        },
        {
            content: "And Sunrise Supermarket",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Sunrise Supermarket)",
        },
        {
            content: "Open Green Grocer's notice",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Green Grocer Ltd) td[name=partner_id]",
            run: "click",
        },
        {
            content: "Its message is addressed to Green Grocer and names the recall",
            trigger: ".modal .o_field_widget[name=body_html]:contains(Dear Green Grocer Ltd):contains(RCL/)",
        },
        {
            content: "Back to the list",
            trigger: ".modal:has(.o_field_widget[name=body_html]) .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "Leave Sunrise Supermarket out",
            trigger: ".modal .o_data_row:contains(Sunrise Supermarket) td[name=include] input",
            run: "click",
        },
        {
            content: "Sunrise Supermarket is left out",
            trigger: ".modal .o_data_row:contains(Sunrise Supermarket) td[name=include] input:not(:checked)",
        },
        {
            content: "Send",
            trigger: ".modal-footer button[name=action_apply]:contains(Send notices)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains(Send the recall notice) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The recall is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "Sunrise Supermarket still has to be notified",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_notify]",
            run: "click",
        },
        {
            content: "Only Sunrise Supermarket is offered; the others were notified",
            trigger: ".modal:has(.o_data_row:contains(Sunrise Supermarket)):not(:has(.o_data_row:contains(Green Grocer))):contains(Already notified)",
        },
        {
            content: "Send",
            trigger: ".modal-footer button[name=action_apply]:contains(Send notices)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains(Send the recall notice) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Every customer is notified: the Notify button is gone",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_buttons:not(:has(button[name=action_notify]))",
        },
    ],
});

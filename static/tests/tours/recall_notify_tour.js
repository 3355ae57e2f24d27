import { registry } from "@web/core/registry";

/**
 * A recall manager opens a traced recall of the demo flour, clicks Notify,
 * reads a customer's message in the preview, leaves one customer out and
 * sends; the toast says the notices are queued, the summary and the
 * customer rows show them queued; the left-out customer is still offered,
 * alone, and once sent the Notify button is gone. The messages and records
 * are checked in Python.
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
            content: "The toast says the notices are queued, not sent",
            trigger: ".o_notification:contains(2 customer notices queued for sending.)",
        },
        {
            content: "The recall is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "The summary counts the notices: 2 pending, none delivered",
            trigger: ".o_form_view div[name=notice_counts]:contains(0 delivered):contains(2 pending):contains(0 failed)",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Green Grocer's notice is queued",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Green Grocer Ltd) td[name=delivery_state]:contains(Queued)",
        },
        {
            content: "Sunrise Supermarket has no notice yet",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Sunrise Supermarket) td[name=delivery_state]:not(:contains(Queued))",
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

/**
 * The notices of a recall left through a mail server that refused them
 * (done in Python): the recall says so, Notify offers the customers again
 * with the reason, and Close asks first, naming the customers not reached.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_recall_notice_failed", {
    steps: () => [
        {
            content: "The recall says the notices failed, with the reason per customer",
            trigger: ".o_form_view .alert-danger:contains(3 customer notices failed or bounced):contains(Green Grocer Ltd: Connection failed):contains(Connection refused)",
        },
        {
            content: "The summary counts them failed",
            trigger: ".o_form_view div[name=notice_counts]:contains(0 delivered):contains(0 pending):contains(3 failed)",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Each row shows its failed notice",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(Corner Bakery) td[name=delivery_state]:contains(Failed)",
        },
        {
            content: "Notify is offered again",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_notify]",
            run: "click",
        },
        {
            content: "Every customer is offered again, their last notice failed",
            trigger: ".modal .o_field_widget[name=line_ids]:has(.o_data_row:contains(Green Grocer Ltd) td[name=delivery_state]:contains(Failed)):has(.o_data_row:contains(Sunrise Supermarket)):has(.o_data_row:contains(Corner Bakery))",
        },
        {
            content: "Not now",
            trigger: ".modal-footer button:contains(Discard)",
            run: "click",
        },
        {
            content: "Close",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_buttons button[name=action_close]",
            run: "click",
        },
        {
            content: "Closing asks first, naming the customers not reached",
            trigger: ".modal:contains(3 customers holding an affected lot have not received the recall notice):contains(Notice failed or bounced (3))",
        },
        {
            content: "Write the closing note",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Green Grocer, Sunrise and Corner Bakery called by phone.",
        },
        {
            content: "Close anyway",
            trigger: ".modal-footer button[name=action_apply]:contains(Close anyway)",
            run: "click",
        },
        {
            content: "The recall is closed",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains(Closed)",
        },
    ],
});

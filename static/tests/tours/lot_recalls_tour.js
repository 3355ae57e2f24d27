import { registry } from "@web/core/registry";

/**
 * A quality officer opens a lot that a recall blocked and that has expired:
 * the block (why, who, when) is on the form, Odoo's Expired badge is not
 * hidden by the Blocked ribbon, and the Recalls button leads to the recall.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_lot_recalls", {
    steps: () => [
        {
            content: "The block is shown with its reason, who and when",
            trigger: ".o_form_view .alert-danger[name=blocked]:contains(Recall RCL/):has(.o_field_widget[name=blocked_by_id] :contains(Bot)):has(.o_field_widget[name=blocked_date]:not(:empty))",
        },
        {
            content: "The Blocked ribbon is there",
            trigger: ".o_form_view .ribbon:contains(Blocked)",
        },
        {
            content: "Odoo's Expired badge is visible, not under the ribbon",
            trigger: ".o_form_view .badge:contains(Expired)",
            run() {
                const badge = document.querySelector(".o_form_view .badge.text-bg-danger");
                const rect = badge.getBoundingClientRect();
                const y = rect.top + rect.height / 2;
                for (const x of [rect.left + rect.width / 4, rect.right - rect.width / 4]) {
                    const top = document.elementFromPoint(x, y);
                    if (!badge.contains(top)) {
                        throw new Error(`Expired badge covered at ${x},${y} by ${top.className}`);
                    }
                }
            },
        },
        {
            content: "Open the lot's recalls",
            trigger: ".o_form_view .oe_stat_button[name=action_view_recalls]:contains(Recalls):contains(1)",
            run: "click",
        },
        {
            content: "The recall is listed",
            trigger: ".o_list_view .o_data_row:contains(RCL/)",
        },
    ],
});

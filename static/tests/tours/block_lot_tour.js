import { registry } from "@web/core/registry";

/**
 * An inventory manager opens a lot, blocks it with a reason: the form shows
 * the Blocked ribbon, the reason, and the chatter logs the block.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_block_lot", {
    steps: () => [
        {
            content: "The lot form is open",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(TOUR-BLOCK-001), .o_form_view .o_field_widget[name=name] input:value(TOUR-BLOCK-001)",
        },
        {
            content: "Click Block",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_block_wizard]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Supplier recall notice 42",
        },
        {
            content: "Confirm the block",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The Blocked ribbon is shown",
            trigger: ".o_form_view .ribbon:contains(Blocked)",
        },
        {
            content: "The reason is on the form",
            trigger: ".o_form_view .o_field_widget[name=blocked_reason]:contains(Supplier recall notice 42)",
        },
        {
            content: "The Unblock button replaces Block",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_unblock_wizard]",
        },
        {
            content: "The chatter logs the block and its reason",
            trigger: ".o-mail-Message:contains(Supplier recall notice 42)",
        },
    ],
});

import { registry } from "@web/core/registry";

/**
 * The demo recall of FLOUR-2026-003 (traced by the Python test): its
 * Genealogy tab draws the seed and the three customers, each listing what
 * it received per product; a click on the seed opens the lot form, whose
 * Genealogy button draws the same family tree without a recall; a click on
 * a customer lists its shipments.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_genealogy", {
    steps: () => [
        {
            content: "Open the Genealogy tab",
            trigger: ".o_notebook a.nav-link:contains(Genealogy)",
            run: "click",
        },
        {
            content: "The seed lot is drawn",
            trigger: ".o_slt_genealogy .o_slt_genealogy_seed:contains(FLOUR-2026-003)",
        },
        {
            content: "A cookie lot made from it",
            trigger: ".o_slt_genealogy .o_slt_genealogy_lot:contains(COOKIE-2026-003)",
        },
        {
            content: "Green Grocer is at the right",
            trigger: ".o_slt_genealogy .o_slt_genealogy_customer:contains(Green Grocer Ltd)",
        },
        {
            content: "Corner Bakery too",
            trigger: ".o_slt_genealogy .o_slt_genealogy_customer:contains(Corner Bakery)",
        },
        {
            content: "And Sunrise Supermarket",
            trigger: ".o_slt_genealogy .o_slt_genealogy_customer:contains(Sunrise Supermarket)",
        },
        {
            content: "A customer box lists the quantity of each product it received",
            trigger: ".o_slt_genealogy .o_slt_genealogy_customer:contains(Corner Bakery) .o_slt_genealogy_item:contains(60.00 Units)",
        },
        {
            content: "Zoom in",
            trigger: ".o_slt_genealogy .o_slt_genealogy_zoom_in",
            run: "click",
        },
        {
            content: "Fit",
            trigger: ".o_slt_genealogy .o_slt_genealogy_fit",
            run: "click",
        },
        {
            content: "Click the seed lot",
            trigger: ".o_slt_genealogy .o_slt_genealogy_seed",
            run: "click",
        },
        {
            content: "The lot form of the seed is open",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(FLOUR-2026-003), .o_form_view .o_field_widget[name=name] input:value(FLOUR-2026-003)",
        },
        {
            content: "Open its genealogy from the lot form",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_genealogy]",
            run: "click",
        },
        {
            content: "The lot's genealogy reaches the same customers",
            trigger: ".o_slt_genealogy_action .o_slt_genealogy_customer:contains(Green Grocer Ltd)",
        },
        {
            content: "Click the customer",
            trigger: ".o_slt_genealogy_action .o_slt_genealogy_customer:contains(Green Grocer Ltd)",
            run: "click",
        },
        {
            content: "Its shipment is listed",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

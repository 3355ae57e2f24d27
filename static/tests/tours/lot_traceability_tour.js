import { registry } from "@web/core/registry";

/**
 * Inventory › Products › Lots/Serial Numbers, open the demo flour lot
 * FLOUR-2026-001 and its Traceability report: the report lists the lot's
 * receipt and its consumption in manufacturing.
 */
registry.category("web_tour.tours").add("stock_lot_traceability_lot_report", {
    steps: () => [
        {
            content: "Open the Products menu of Inventory",
            trigger: ".o_main_navbar [data-menu-xmlid='stock.menu_stock_inventory_control']",
            run: "click",
        },
        {
            content: "Open Lots/Serial Numbers",
            trigger: "[data-menu-xmlid='stock.menu_action_production_lot_form']",
            run: "click",
        },
        {
            // Lots are grouped by location only with multi-locations enabled.
            content: "Show the lots ungrouped",
            trigger: ".o_list_view",
            run() {
                for (const facet of document.querySelectorAll(".o_searchview_facet")) {
                    if (facet.textContent.includes("Location")) {
                        facet.querySelector(".o_facet_remove").click();
                    }
                }
            },
        },
        {
            content: "Search the demo flour lot",
            trigger: ".o_searchview_input",
            run: "edit FLOUR-2026-001",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the lot",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(FLOUR-2026-001)",
            run: "click",
        },
        {
            content: "The lot form is open",
            trigger: ".o_breadcrumb .active:contains(FLOUR-2026-001)",
        },
        {
            content: "Open its Traceability report",
            trigger: ".o_form_view .oe_stat_button:contains(Traceability)",
            run: "click",
        },
        {
            content: "The report lists the lot's operations",
            trigger: ".o_stock_reports_table tr:contains(FLOUR-2026-001):contains(Organic Wheat Flour)",
        },
        {
            content: "The report shows the receipt from the vendor",
            trigger: ".o_stock_reports_table tr:contains(WH/IN/):contains(Moulin Dupont SA):contains(120.00)",
        },
    ],
});

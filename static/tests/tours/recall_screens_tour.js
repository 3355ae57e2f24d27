import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * A quality officer on a 1440 px screen opens a traced recall: one primary
 * button (the next step), every state on the status bar, quantities per
 * product and unit, readable lot and product columns; print and exports in the gear
 * menu. The XLSX it downloads is checked by the Python test.
 */
function assertReadable(fieldName, columns) {
    const selector = columns
        .map((column) => `.o_field_widget[name=${fieldName}] .o_data_row td[name=${column}]`)
        .join(", ");
    const cells = [...document.querySelectorAll(selector)];
    const cut = cells.filter((cell) =>
        [cell, ...cell.querySelectorAll("*")].some((el) => el.scrollWidth > el.clientWidth + 1)
    );
    if (!cells.length || cut.length) {
        throw new Error(
            `${fieldName}: ${cells.length} cells, truncated: ${cut.map((cell) => cell.textContent).join(" | ")}`
        );
    }
}

const onlyPrimary = (name) =>
    `.o_statusbar_buttons:has(button.btn-primary[name=${name}]):not(:has(button.btn-primary:not([name=${name}])))`;

registry.category("web_tour.tours").add("stock_lot_traceability_recall_screens", {
    steps: () => [
        {
            content: "Traced: Quarantine is the only primary action",
            trigger: onlyPrimary("action_quarantine"),
        },
        {
            content: "Print, exports and trace again are not header buttons",
            trigger: ".o_statusbar_buttons:not(:has(button[name=action_print], button[name=action_export_xlsx], button[name=action_export_csv]))",
        },
        {
            content: "The status bar shows the first state (not folded in a dropdown)",
            trigger: ".o_statusbar_status button[data-value=draft]:contains(Draft)",
        },
        {
            content: "and the last",
            trigger: ".o_statusbar_status button[data-value=closed]:contains(Closed)",
        },
        {
            content: "The summary gives the quantity on hand per product and unit",
            trigger: ".o_field_widget[name=qty_on_hand_display]:contains(80.00 Units Butter Cookies, 20.00 kg Organic Wheat Flour)",
        },
        {
            content: "and the quantity shipped: cookies and the gift box are never one total",
            trigger: ".o_field_widget[name=qty_shipped_display]:contains(100.00 Units Butter Cookies, 1.00 Units Holiday Gift Box):not(:contains(101.00))",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Customer, product and lot are readable",
            trigger: ".o_field_widget[name=shipment_ids] .o_data_row:contains(GIFTBOX-0007)",
            run: () => assertReadable("shipment_ids", ["customer_name", "product_id", "lot_id"]),
        },
        {
            content: "Open the mass balance",
            trigger: ".o_notebook a.nav-link:contains(Mass balance)",
            run: "click",
        },
        {
            content: "Lot and product are readable, each row has its unit",
            trigger: ".o_field_widget[name=affected_lot_ids] .o_data_row:contains(FLOUR-2026-003):contains(kg)",
            run: () => assertReadable("affected_lot_ids", ["lot_id", "product_id"]),
        },
        {
            content: "Consumption is listed with the mass balance",
            trigger: ".o_field_widget[name=moved_stock_ids] .o_data_row:contains(Consumed in Production)",
        },
        {
            content: "Open the on-hand stock",
            trigger: ".o_notebook a.nav-link:contains(On hand)",
            run: "click",
        },
        {
            content: "On hand lists no consumption",
            trigger: ".o_field_widget[name=on_hand_stock_ids]:has(.o_data_row):not(:has(.o_data_row:contains(Consumed)))",
        },
        {
            content: "Open the events",
            trigger: ".o_notebook a.nav-link:contains(Events)",
            run: "click",
        },
        {
            content: "Type, lot, product and document are readable beside the chatter",
            trigger: ".o_field_widget[name=event_ids] .o_data_row:contains(GIFTBOX-0007)",
            run: () => assertReadable("event_ids", ["event_type", "lot_id", "product_id", "reference"]),
        },
        {
            content: "Open the genealogy",
            trigger: ".o_notebook a.nav-link:contains(Genealogy)",
            run: "click",
        },
        {
            content: "The genealogy is above the fold, a customer box says '1 lot'",
            trigger: ".o_slt_genealogy .o_slt_genealogy_customer:contains(1 lot)",
            run() {
                const viewport = document.querySelector(".o_slt_genealogy_viewport");
                if (viewport.getBoundingClientRect().bottom > window.innerHeight) {
                    throw new Error("The genealogy goes below the fold");
                }
                if (document.querySelector(".o_slt_genealogy_customer").textContent.includes("1 lots")) {
                    throw new Error("1 lots");
                }
            },
        },
        {
            content: "Quarantine",
            trigger: ".o_statusbar_buttons button[name=action_quarantine]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "In progress: notifying customers is the next step",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "Notify is the only primary action, Quarantine is gone",
            trigger: `${onlyPrimary("action_notify")}:not(:has(button[name=action_quarantine]))`,
        },
        {
            content: "Open the gear menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Print and trace again are there",
            trigger: ".o-dropdown--menu:has(.o-dropdown-item:contains(Print recall report)):has(.o-dropdown-item:contains(Trace again)):has(.o-dropdown-item:contains(Export FSMA 204 (CSV)))",
        },
        {
            content: "Export the XLSX",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Export FSMA 204 (XLSX))",
            run: "click",
        },
        {
            content: "The XLSX is stored on the recall (the download has run)",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(RCL/)",
            async run() {
                for (let attempt = 0; attempt < 100; attempt++) {
                    const count = await rpc("/web/dataset/call_kw/ir.attachment/search_count", {
                        model: "ir.attachment",
                        method: "search_count",
                        args: [[["res_model", "=", "stock.recall"], ["name", "=like", "%.xlsx"]]],
                        kwargs: {},
                    });
                    if (count) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                throw new Error("The XLSX export left no attachment on the recall");
            },
        },
    ],
});

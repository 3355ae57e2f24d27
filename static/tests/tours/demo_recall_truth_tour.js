import { registry } from "@web/core/registry";

/**
 * A quality officer walks the demo recall of FLOUR-2026-003 (traced by the
 * Python test) and checks that what it shows is true: the genealogy draws
 * no edge through a box it does not join, quantities are never added
 * across products, and notices refused by the mail server are shown failed
 * with their reason, offered again, and named before closing. Two parts:
 * the notices are sent in the first and the mail queue is processed by the
 * Python test before the second.
 */

// screen pixels: an edge ends on the border of its box (its stroke and the
// rounding of the path's coordinates aside)
const ON_BORDER = 1.5;

function nodeTitle(node) {
    return node.querySelector(".o_slt_genealogy_title").textContent;
}

function drawnBoxes() {
    return [...document.querySelectorAll(".o_slt_genealogy .o_slt_genealogy_node")].map((node) => ({
        title: nodeTitle(node),
        isCustomer: node.classList.contains("o_slt_genealogy_customer"),
        // the box itself, not its texts (shortened, they stay inside it)
        rect: node.querySelector("rect").getBoundingClientRect(),
    }));
}

function isInside(point, rect, margin) {
    return (
        point.x > rect.left + margin &&
        point.x < rect.right - margin &&
        point.y > rect.top + margin &&
        point.y < rect.bottom - margin
    );
}

function isOnBorder(point, rect) {
    return isInside(point, rect, -ON_BORDER) && !isInside(point, rect, ON_BORDER);
}

/** Points along a drawn edge, in screen pixels, about one pixel apart. */
function samplePath(path) {
    const matrix = path.getScreenCTM();
    const length = path.getTotalLength();
    const steps = Math.max(2, Math.ceil(length * Math.max(matrix.a, 1)));
    const points = [];
    for (let step = 0; step <= steps; step++) {
        const point = path.getPointAtLength((length * step) / steps);
        points.push(new DOMPoint(point.x, point.y).matrixTransform(matrix));
    }
    return points;
}

/**
 * Every drawn edge, with the boxes it starts and ends on; throws if an
 * edge does not join two boxes or passes through a box it does not join.
 */
function checkedEdges() {
    const boxes = drawnBoxes();
    const paths = [...document.querySelectorAll(".o_slt_genealogy path.o_slt_genealogy_edge")];
    if (!boxes.length || !paths.length) {
        throw new Error(`${boxes.length} boxes and ${paths.length} edges drawn`);
    }
    const errors = [];
    const edges = paths.map((path, index) => {
        const points = samplePath(path);
        const [start, end] = [points[0], points.at(-1)];
        const source = boxes.filter((box) => isOnBorder(start, box.rect));
        const target = boxes.filter((box) => isOnBorder(end, box.rect));
        const joined = `${source.map((box) => box.title)} → ${target.map((box) => box.title)}`;
        if (source.length !== 1 || target.length !== 1 || source[0] === target[0]) {
            errors.push(`edge ${index} (${path.getAttribute("d")}) does not join two boxes: ${joined}`);
            return null;
        }
        const crossed = boxes.filter(
            (box) =>
                box !== source[0] &&
                box !== target[0] &&
                points.some((point) => isInside(point, box.rect, 0))
        );
        if (crossed.length) {
            errors.push(`edge ${joined} passes through ${crossed.map((box) => box.title).join(", ")}`);
        }
        const xs = points.map((point) => point.x);
        return {
            source: source[0],
            target: target[0],
            left: Math.min(...xs),
            right: Math.max(...xs),
        };
    });
    if (errors.length) {
        throw new Error(errors.join("\n"));
    }
    return { boxes, edges };
}

function checkGenealogy() {
    const { boxes, edges } = checkedEdges();
    const giftbox = boxes.find((box) => box.title === "GIFTBOX-0007");
    // the cookie lot's shipments skip the gift box column: the edges that
    // would have been drawn through GIFTBOX-0007
    const cookieShipments = edges.filter(
        (edge) => edge.source.title === "COOKIE-2026-003" && edge.target.isCustomer
    );
    const customers = cookieShipments.map((edge) => edge.target.title).sort();
    if (!giftbox || customers.join() !== "Corner Bakery Café,Sunrise Supermarket") {
        throw new Error(`gift box ${Boolean(giftbox)}, cookie lot shipped to: ${customers}`);
    }
    const spanning = cookieShipments.filter(
        (edge) => edge.left < giftbox.rect.left && edge.right > giftbox.rect.right
    );
    if (spanning.length !== cookieShipments.length) {
        throw new Error("a shipment of the cookie lot does not cross the gift box column");
    }
    const toGrocer = edges.filter(
        (edge) => edge.source === giftbox && edge.target.title === "Green Grocer Ltd"
    );
    if (toGrocer.length !== 1 || edges.some((e) => e.source === giftbox && e !== toGrocer[0])) {
        throw new Error("GIFTBOX-0007 must be drawn going to Green Grocer Ltd only");
    }
}

const customerBox = (name) => `.o_slt_genealogy_customer:contains(${name})`;
const shipmentRow = (name) => `.o_field_widget[name=shipment_ids] .o_data_row:contains(${name})`;

registry.category("web_tour.tours").add("stock_lot_traceability_demo_recall_truth", {
    steps: () => [
        {
            content: "The traced recall is open",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Traced)",
        },
        {
            content: "Quantity shipped per product: cookies and the gift box are never one total",
            trigger: ".o_field_widget[name=qty_shipped_display]:contains(100.00 Units Butter Cookies):contains(1.00 Units Holiday Gift Box):not(:contains(101.00))",
        },
        {
            content: "Open the Genealogy tab",
            trigger: ".o_notebook a.nav-link:contains(Genealogy)",
            run: "click",
        },
        {
            content: "The three customers are drawn",
            trigger: `.o_slt_genealogy:has(${customerBox("Green Grocer Ltd")}):has(${customerBox("Corner Bakery")}):has(${customerBox("Sunrise Supermarket")})`,
        },
        {
            content: "Each edge joins two boxes and passes through none other: the cookie lot's shipments go round GIFTBOX-0007",
            trigger: ".o_slt_genealogy .o_slt_genealogy_lot:contains(GIFTBOX-0007)",
            run: checkGenealogy,
        },
        {
            content: "Fit the whole genealogy to the screen",
            trigger: ".o_slt_genealogy .o_slt_genealogy_fit",
            run: "click",
        },
        {
            content: "Fitted, the edges still go round the boxes",
            trigger: ".o_slt_genealogy .o_slt_genealogy_lot:contains(GIFTBOX-0007)",
            run: checkGenealogy,
        },
        {
            content: "A customer box lists what it received per product, no sum",
            trigger: `.o_slt_genealogy ${customerBox("Corner Bakery")}:has(.o_slt_genealogy_item:contains(60.00 Units · Butter Cookies)):not(:contains(Received ·))`,
        },
        {
            content: "Green Grocer received the gift box only",
            trigger: `.o_slt_genealogy ${customerBox("Green Grocer Ltd")}:has(.o_slt_genealogy_item:contains(1.00 Units · Holiday Gift Box)):not(:contains(Butter Cookies))`,
        },
        {
            content: "Notify customers",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_notify]",
            run: "click",
        },
        {
            content: "Every customer is offered",
            trigger: ".modal .o_field_widget[name=line_ids]:has(.o_data_row:contains(Green Grocer Ltd)):has(.o_data_row:contains(Corner Bakery)):has(.o_data_row:contains(Sunrise Supermarket))",
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
            content: "The toast says queued, not sent",
            trigger: ".o_notification:contains(3 customer notices queued for sending.)",
        },
        {
            content: "Back to the summary",
            trigger: ".o_form_view:not(:has(.modal)) .o_notebook a.nav-link:contains(Summary)",
            run: "click",
        },
        {
            content: "The summary counts them pending",
            trigger: ".o_form_view div[name=notice_counts]:contains(0 delivered):contains(3 pending):contains(0 failed)",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Their notices are queued",
            trigger: `${shipmentRow("Green Grocer Ltd")} td[name=delivery_state]:contains(Queued)`,
            run() {
                const states = [
                    ...document.querySelectorAll(
                        ".o_field_widget[name=shipment_ids] .o_data_row td[name=delivery_state]"
                    ),
                ].map((cell) => cell.textContent.trim());
                if (!states.length || states.some((state) => state !== "Queued")) {
                    throw new Error(`notice states: ${states.join(", ")}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("stock_lot_traceability_demo_recall_truth_failed", {
    steps: () => [
        {
            content: "The summary counts the refused notices failed, none delivered",
            trigger: ".o_form_view div[name=notice_counts]:contains(0 delivered):contains(0 pending):contains(3 failed)",
        },
        {
            content: "Open the customers",
            trigger: ".o_notebook a.nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "Show the failure reason",
            trigger: ".o_field_widget[name=shipment_ids] .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: "Failure Reason column",
            trigger: ".o-dropdown-item input[name=delivery_failure]",
            run: "click",
        },
        {
            content: "Close the column list",
            trigger: ".o_field_widget[name=shipment_ids] .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: "Green Grocer's row: Failed, the connection was refused",
            trigger: `${shipmentRow("Green Grocer Ltd")}:has(td[name=delivery_state]:contains(Failed)):has(td[name=delivery_failure]:contains(Connection refused))`,
        },
        {
            content: "Corner Bakery's rows too",
            trigger: `${shipmentRow("Corner Bakery")}:has(td[name=delivery_state]:contains(Failed)):has(td[name=delivery_failure]:contains(Connection refused))`,
        },
        {
            content: "And Sunrise Supermarket's; no row says Sent or Queued",
            trigger: `${shipmentRow("Sunrise Supermarket")}:has(td[name=delivery_state]:contains(Failed)):has(td[name=delivery_failure]:contains(Connection refused))`,
            run() {
                const states = [
                    ...document.querySelectorAll(
                        ".o_field_widget[name=shipment_ids] .o_data_row td[name=delivery_state]"
                    ),
                ].map((cell) => cell.textContent.trim());
                if (!states.length || states.some((state) => state !== "Failed")) {
                    throw new Error(`notice states: ${states.join(", ")}`);
                }
            },
        },
        {
            content: "Hide the failure reason again",
            trigger: ".o_field_widget[name=shipment_ids] .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: "Failure Reason column off",
            trigger: ".o-dropdown-item input[name=delivery_failure]:checked",
            run: "click",
        },
        {
            content: "Notify is offered again",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_notify]",
            run: "click",
        },
        {
            content: "The three customers are offered again, their notice failed",
            trigger: ".modal .o_field_widget[name=line_ids]:has(.o_data_row:contains(Green Grocer Ltd) td[name=delivery_state]:contains(Failed)):has(.o_data_row:contains(Corner Bakery) td[name=delivery_state]:contains(Failed)):has(.o_data_row:contains(Sunrise Supermarket) td[name=delivery_state]:contains(Failed))",
        },
        {
            content: "Not now",
            trigger: ".modal-footer button:contains(Discard)",
            run: "click",
        },
        {
            content: "Close the recall",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_buttons button[name=action_close]",
            run: "click",
        },
        {
            content: "Closing asks first and names the customers not reached",
            trigger: ".modal:contains(3 customers holding an affected lot have not received the recall notice):contains(Notice failed or bounced (3)):contains(Green Grocer Ltd):contains(Corner Bakery):contains(Sunrise Supermarket)",
        },
        {
            content: "The close dialog gives the quantity shipped per product",
            trigger: ".modal .o_field_widget[name=qty_shipped_display]:contains(Butter Cookies):contains(Holiday Gift Box):not(:contains(101.00))",
        },
        {
            content: "Write the closing note",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit The three customers were called by phone.",
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

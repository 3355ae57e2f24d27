import { _t } from "@web/core/l10n/translation";
import { Component, onWillStart, useRef, useState, onMounted } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;
const DRAG_TOLERANCE = 4;
// below this scale node texts are unreadable: the first view stays at it
// and centres the seed; "Fit" shows everything whatever the scale
const READABLE_ZOOM = 0.6;

/**
 * The genealogy of a recall or a lot: the positioned graph computed by the
 * server (`get_genealogy`, one layout shared with the PDF) drawn as SVG,
 * with pan (drag), zoom (wheel, buttons, fit), hover titles, and clicks that
 * open the lot, the group's lots or the customer's shipments.
 */
export class GenealogyGraph extends Component {
    static template = "stock_lot_traceability.GenealogyGraph";
    static props = {
        resModel: String,
        resId: Number,
    };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.viewport = useRef("viewport");
        this.state = useState({ graph: null, x: 0, y: 0, k: 1 });
        this.drag = null;
        onWillStart(async () => {
            this.state.graph = await this.orm.call(this.props.resModel, "get_genealogy", [
                [this.props.resId],
            ]);
        });
        onMounted(() => this.showSeed());
    }

    get transform() {
        return `translate(${this.state.x},${this.state.y}) scale(${this.state.k})`;
    }

    get fills() {
        return Object.fromEntries(this.state.graph.legend.map((item) => [item.state, item]));
    }

    get stateLabels() {
        return Object.fromEntries(this.state.graph.legend.map((item) => [item.state, item.label]));
    }

    get summary() {
        const { lot_count: lots, customer_count: customers } = this.state.graph;
        return [
            lots === 1 ? _t("1 lot") : _t("%(count)s lots", { count: lots }),
            customers === 1 ? _t("1 customer") : _t("%(count)s customers", { count: customers }),
        ].join(", ");
    }

    columnTitle(column) {
        if (column.kind === "customer") {
            return _t("Customers (%(count)s)", { count: column.count });
        }
        if (column.depth === 0) {
            return _t("Seed");
        }
        const level = Math.abs(column.depth);
        return column.depth > 0
            ? _t("Level %(level)s (%(count)s)", { level, count: column.count })
            : _t("Upstream %(level)s (%(count)s)", { level, count: column.count });
    }

    noticeText(notice) {
        const column = this.state.graph.columns.find((col) => col.depth === notice.column);
        const values = {
            column: this.columnTitle(column),
            count: notice.count,
            groups: notice.groups,
            threshold: this.state.graph.threshold,
        };
        return notice.groups === 1
            ? _t(
                  "%(column)s: %(count)s nodes drawn as 1 counted group (more than %(threshold)s in one column). Click the group to list its records.",
                  values
              )
            : _t(
                  "%(column)s: %(count)s nodes drawn as %(groups)s counted groups (more than %(threshold)s in one column). Click a group to list its records.",
                  values
              );
    }

    nodeTitle(node) {
        if (node.is_group) {
            return node.kind === "customer"
                ? _t("%(count)s customers", { count: node.count })
                : _t("%(count)s lots", { count: node.count });
        }
        return node.label;
    }

    nodeSubtitle(node) {
        return node.is_group ? node.label : node.sublabel;
    }

    quantity(qty, uom) {
        return `${formatFloat(qty, { digits: [false, 2] })} ${uom}`;
    }

    // a node of one product says its quantity here; a customer or a group
    // of several products lists them on lines of their own (nodeItems):
    // quantities of different products are never added
    nodeFigure(node) {
        const label = node.kind === "customer" ? _t("Received") : this.stateLabels[node.state];
        if (node.items.length || node.items_hidden || !node.quantities.length) {
            return label;
        }
        const [qty, uom] = node.quantities[0];
        return `${label} · ${this.quantity(qty, uom)}`;
    }

    itemLine([qty, uom, product]) {
        return `${this.quantity(qty, uom)} · ${product}`;
    }

    nodeItems(node) {
        const lines = node.items.map((item) => this.itemLine(item));
        if (node.items_hidden) {
            lines.push(_t("+ %(count)s more products", { count: node.items_hidden }));
        }
        return lines;
    }

    nodeHover(node) {
        const lines = [this.nodeTitle(node), this.nodeSubtitle(node), this.nodeFigure(node)];
        if (node.items.length || node.items_hidden) {
            // every product, also those the box has no room for
            lines.push(...node.quantities.map((item) => this.itemLine(item)));
        }
        if (node.figures) {
            const fmt = (qty) => `${formatFloat(qty, { digits: [false, 2] })} ${node.figures.uom}`;
            lines.push(
                _t("On hand: %(qty)s", { qty: fmt(node.figures.on_hand) }),
                _t("Shipped: %(qty)s", { qty: fmt(node.figures.shipped) }),
                _t("Consumed: %(qty)s", { qty: fmt(node.figures.consumed) })
            );
        }
        return lines.filter(Boolean).join("\n");
    }

    shorten(text) {
        text = text || "";
        return text.length > 30 ? text.slice(0, 29) + "…" : text;
    }

    // pan and zoom ----------------------------------------------------

    zoomAt(factor, cx, cy) {
        const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.state.k * factor));
        const ratio = k / this.state.k;
        this.state.x = cx - (cx - this.state.x) * ratio;
        this.state.y = cy - (cy - this.state.y) * ratio;
        this.state.k = k;
    }

    zoomButton(factor) {
        const el = this.viewport.el;
        this.zoomAt(factor, el.clientWidth / 2, el.clientHeight / 2);
    }

    fit() {
        const el = this.viewport.el;
        const graph = this.state.graph;
        if (!el || !graph.width) {
            return;
        }
        const k = Math.min(1, el.clientWidth / graph.width, el.clientHeight / graph.height);
        this.state.k = Math.max(MIN_ZOOM, k);
        this.state.x = (el.clientWidth - graph.width * this.state.k) / 2;
        this.state.y = 0;
    }

    showSeed() {
        const el = this.viewport.el;
        const graph = this.state.graph;
        if (!el || !graph.width) {
            return;
        }
        this.fit();
        if (this.state.k >= READABLE_ZOOM) {
            return;
        }
        const seed = graph.nodes.find((node) => node.is_seed) || graph.nodes[0];
        this.state.k = READABLE_ZOOM;
        this.state.x = Math.min(0, el.clientWidth / 2 - (seed.x + seed.w / 2) * READABLE_ZOOM);
        this.state.y = el.clientHeight / 2 - (seed.y + seed.h / 2) * READABLE_ZOOM;
    }

    onWheel(ev) {
        ev.preventDefault();
        const rect = this.viewport.el.getBoundingClientRect();
        this.zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - rect.left, ev.clientY - rect.top);
    }

    onPointerDown(ev) {
        this.drag = { x: ev.clientX, y: ev.clientY, sx: this.state.x, sy: this.state.y, moved: false };
    }

    onPointerMove(ev) {
        if (!this.drag) {
            return;
        }
        const dx = ev.clientX - this.drag.x;
        const dy = ev.clientY - this.drag.y;
        if (Math.abs(dx) + Math.abs(dy) > DRAG_TOLERANCE) {
            this.drag.moved = true;
        }
        this.state.x = this.drag.sx + dx;
        this.state.y = this.drag.sy + dy;
    }

    onPointerUp() {
        this.lastDragMoved = Boolean(this.drag?.moved);
        this.drag = null;
    }

    // clicks ----------------------------------------------------------

    onNodeClick(node) {
        if (this.lastDragMoved) {
            return;
        }
        const ids = node.res_ids;
        if (node.kind === "lot" && ids.length === 1) {
            return this.action.doAction({
                type: "ir.actions.act_window",
                res_model: node.res_model,
                res_id: ids[0],
                views: [[false, "form"]],
            });
        }
        return this.action.doAction({
            type: "ir.actions.act_window",
            name: this.nodeTitle(node),
            res_model: node.res_model,
            domain: [["id", "in", ids]],
            views: [
                [false, "list"],
                [false, "form"],
            ],
        });
    }
}

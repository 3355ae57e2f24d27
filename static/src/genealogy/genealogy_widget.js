import { Component, onMounted, useRef } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { GenealogyGraph } from "./genealogy_graph";

/**
 * The Genealogy tab of the recall form: redrawn after each trace and after
 * quarantine (which blocks lots without tracing again). Opening the tab
 * scrolls the notebook to the top of the form, so that the picture is
 * above the fold on a 1280 or 1440 px screen, below the recall's header.
 */
export class GenealogyWidget extends Component {
    static template = "stock_lot_traceability.GenealogyWidget";
    static components = { GenealogyGraph };
    static props = { ...standardWidgetProps };

    setup() {
        this.root = useRef("root");
        onMounted(() => {
            this.root.el?.closest(".o_notebook")?.scrollIntoView({ block: "start" });
        });
    }

    get graphKey() {
        const { date_traced: traced, date_quarantine: quarantined } = this.props.record.data;
        return [traced, quarantined].map((date) => (date ? date.toString() : "")).join("|");
    }
}

registry.category("view_widgets").add("slt_genealogy", { component: GenealogyWidget });

import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { GenealogyGraph } from "./genealogy_graph";

/** The Genealogy tab of the recall form: redrawn after each trace. */
export class GenealogyWidget extends Component {
    static template = "stock_lot_traceability.GenealogyWidget";
    static components = { GenealogyGraph };
    static props = { ...standardWidgetProps };
}

registry.category("view_widgets").add("slt_genealogy", { component: GenealogyWidget });

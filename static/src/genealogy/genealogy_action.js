import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { GenealogyGraph } from "./genealogy_graph";

/** The genealogy of one lot, opened from the lot form without a recall. */
export class GenealogyAction extends Component {
    static template = "stock_lot_traceability.GenealogyAction";
    static components = { GenealogyGraph, Layout };
    static props = { ...standardActionServiceProps };

    get resModel() {
        return this.props.action.params.res_model;
    }

    get resId() {
        return this.props.action.params.res_id;
    }
}

registry.category("actions").add("stock_lot_traceability.genealogy", GenealogyAction);

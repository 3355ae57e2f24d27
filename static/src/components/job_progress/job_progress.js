/** Live progress of a background traceability job (stock.traceability.job).
 *
 * A view widget: on the job's own form, or on a form whose record has a
 * many2one to the job, `trace_job_id` unless the widget's `job_field` names
 * another (the recall's `export_job_id`, with its `<field>_state` related
 * field, e.g. `export_job_state`). The server pushes the progress on the
 * user's partner channel (type "stock_traceability_job/progress"), which the
 * web client is subscribed to; the widget reloads the record when the job
 * ends, so the form shows the result.
 */
import { Component, onWillDestroy, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const BUS_TYPE = "stock_traceability_job/progress";
const FINAL_STATES = ["done", "failed", "cancelled"];

export class JobProgress extends Component {
    static template = "stock_lot_traceability.JobProgress";
    static props = { ...standardWidgetProps, jobField: { type: String, optional: true } };
    static defaultProps = { jobField: "trace_job_id" };

    setup() {
        this.busService = useService("bus_service");
        this.state = useState({ live: null });
        this.onProgress = this.onProgress.bind(this);
        this.busService.subscribe(BUS_TYPE, this.onProgress);
        onWillDestroy(() => this.busService.unsubscribe(BUS_TYPE, this.onProgress));
    }

    get jobId() {
        const record = this.props.record;
        if (record.resModel === "stock.traceability.job") {
            return record.resId;
        }
        const job = record.data[this.props.jobField];
        return job && job.id;
    }

    /** The last pushed values, else the record's. */
    get job() {
        const live = this.state.live;
        if (live && live.job_id === this.jobId) {
            return live;
        }
        const data = this.props.record.data;
        if (this.props.record.resModel === "stock.traceability.job") {
            return {
                state: data.state,
                done: data.progress_done,
                total: data.progress_total,
                remaining_seconds: data.remaining_seconds,
            };
        }
        return {
            state: data[this.props.jobField.replace(/_id$/, "_state")],
            done: 0,
            total: 0,
            remaining_seconds: false,
        };
    }

    get percent() {
        const { done, total } = this.job;
        return total ? Math.min(100, Math.round((100 * done) / total)) : 0;
    }

    get remainingText() {
        const seconds = this.job.remaining_seconds;
        if (this.job.state !== "running" || seconds === false || seconds === undefined) {
            return "";
        }
        if (seconds < 60) {
            return _t("about %s s left", seconds);
        }
        return _t("about %s min left", Math.ceil(seconds / 60));
    }

    get stateText() {
        return {
            queued: _t("Waiting for a worker"),
            running: _t("Running"),
            done: _t("Done"),
            failed: _t("Failed"),
            cancelled: _t("Cancelled"),
        }[this.job.state];
    }

    async onProgress(payload) {
        if (payload.job_id !== this.jobId) {
            return;
        }
        this.state.live = payload;
        if (FINAL_STATES.includes(payload.state) && !this.props.record.isNew) {
            await this.props.record.load();
        }
    }
}

export const jobProgress = {
    component: JobProgress,
    extractProps: ({ attrs }) => (attrs.job_field ? { jobField: attrs.job_field } : {}),
};

registry.category("view_widgets").add("slt_job_progress", jobProgress);

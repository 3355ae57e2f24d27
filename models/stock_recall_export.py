# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64

from odoo import fields, models

from . import spreadsheet

FSMA_HEADERS = [
    ("event_type", "Event type"),
    ("event_date", "Event date"),
    ("tlc", "Traceability lot code"),
    ("product", "Product description"),
    ("quantity", "Quantity"),
    ("uom", "Unit of measure"),
    ("event_location", "Event location"),
    ("previous_source", "Previous source location"),
    ("next_recipient", "Next recipient location"),
    ("tlc_source", "Traceability lot code source"),
    ("document_type", "Reference document type"),
    ("document_number", "Reference document number"),
    ("input_lots", "Input traceability lot codes"),
]
EXPORT_SUFFIXES = {"fsma": "fsma204", "customers": "customers"}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
# event types that are FSMA 204 critical tracking events (receiving,
# shipping, transformation, and the retroactive assignment that makes stock
# traceable); the others (internal and quarantine transfers, scrap,
# adjustments) go to their own sheet
FSMA_EVENT_TYPES = (
    "receiving",
    "shipping",
    "customer_return",
    "vendor_return",
    "consumption",
    "production",
    "assignment",
)


class StockRecall(models.Model):
    """The exports of a recall: the FSMA 204 sortable spreadsheet (critical
    tracking events with their key data elements, other movements,
    customers, lots and mass balance) and the customer list for notices by
    phone or post."""

    _inherit = "stock.recall"

    export_job_id = fields.Many2one(
        "stock.traceability.job",
        string="Export Job",
        readonly=True,
        copy=False,
        help="The background job of the last export too big for the request.",
    )
    export_job_state = fields.Selection(
        related="export_job_id.state", string="Export Job State"
    )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def action_export_xlsx(self):
        self.ensure_one()
        return self._export_action("fsma", "xlsx")

    def action_export_csv(self):
        self.ensure_one()
        return self._export_action("fsma", "csv")

    def action_export_customers_csv(self):
        self.ensure_one()
        return self._export_action("customers", "csv")

    def action_export_customers_xlsx(self):
        self.ensure_one()
        return self._export_action("customers", "xlsx")

    def action_cancel_export_job(self):
        self.ensure_one()
        return self.export_job_id.action_cancel()

    def _export_action(self, export, file_format):
        """The export as a download, or its background job's form when the
        recall has more rows than the company's threshold."""
        self._check_traced()
        if self._export_in_background():
            self._enqueue_export(export, file_format)
            return self.export_job_id._get_action_view()
        attachment = self._store_export(*self._get_export_file(export, file_format))
        if export == "fsma":
            self._record_drill()
        # "download": the form stays open (Odoo's own downloads, e.g. the
        # invoices' XML), no page unload
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download" if export == "fsma" else "self",
        }

    # ------------------------------------------------------------------
    # the file, read only (also served by the read-only download route of
    # controllers/main.py, which a replica can answer)
    # ------------------------------------------------------------------

    def _get_export_file(self, export, file_format):
        """``(filename, content, mimetype)`` of the ``fsma`` export (FSMA 204
        spreadsheet) or the ``customers`` list, in ``xlsx`` or ``csv``.
        Reads only: nothing is stored."""
        self.ensure_one()
        self._check_traced()
        if export == "customers":
            content = self._export_customers(file_format)
        elif file_format == "xlsx":
            content = self._export_xlsx()
        else:
            content = self._export_csv()
        filename = (
            f"{self.name.replace('/', '_')}_{EXPORT_SUFFIXES[export]}.{file_format}"
        )
        return filename, content, MIMETYPES[file_format]

    # ------------------------------------------------------------------
    # big exports in the background (stock.traceability.job)
    # ------------------------------------------------------------------

    def _export_in_background(self):
        """An export of more rows (events and customer shipments) than the
        company's threshold runs in a background job."""
        self.ensure_one()
        threshold = self.company_id.traceability_job_export_threshold
        return bool(threshold) and self.event_count + self.shipment_count > threshold

    def _enqueue_export(self, export, file_format):
        self.ensure_one()
        labels = {
            "fsma": self.env._("FSMA 204 export"),
            "customers": self.env._("Customer list"),
        }
        # A reader of the recall may export it, not write it: the job
        # reference is stored as superuser (like the attachment).
        self.sudo().export_job_id = self.env["stock.traceability.job"]._enqueue(
            "recall_export",
            self,
            self.env._(
                "%(export)s (%(format)s) of %(recall)s",
                export=labels[export],
                format=file_format.upper(),
                recall=self.name,
            ),
            total=2,
            export_format=f"{export}_{file_format}",
        )

    def _run_export_job(self, job):
        """The background export: the file (progress 1 of 2), then attached
        to the recall with a message in its chatter."""
        self.ensure_one()
        export, file_format = job.export_format.split("_")
        filename, content, mimetype = self._get_export_file(export, file_format)
        job._report_progress(1, 2)
        attachment = self._store_export(filename, content, mimetype)
        if export == "fsma":
            self._record_drill()
        self.sudo().message_post(
            body=self.env._("%(job)s is ready.", job=job.name),
            attachment_ids=attachment.ids,
            author_id=job.user_id.partner_id.id,
        )

    # ------------------------------------------------------------------
    # FSMA 204 export
    # ------------------------------------------------------------------

    def _get_export_tz(self):
        return self.env.user.tz or "UTC"

    def _get_fsma_headers(self):
        """FSMA 204 headers; the event date says its time zone."""
        date_label = self.env._("Event date (%(tz)s)", tz=self._get_export_tz())
        return [
            (key, date_label if key == "event_date" else label)
            for key, label in FSMA_HEADERS
        ]

    def _get_fsma_rows(self, fsma=True):
        """One dict per event with the FSMA 204 key data elements: the
        critical tracking events (``fsma``), or the other movements
        (quarantine and internal transfers, scrap, adjustments)."""
        self.ensure_one()
        type_labels = dict(
            self.env["stock.recall.event"]
            ._fields["event_type"]
            ._description_selection(self.env)
        )
        tlc_sources = {
            rl.lot_id.id: rl.tlc_source or "" for rl in self.affected_lot_ids
        }
        tz = self._get_export_tz()
        events = self.event_ids.filtered(
            lambda e: (e.event_type in FSMA_EVENT_TYPES) == fsma
        )
        rows = []
        for event in events.sorted(lambda e: (e.date, e.id)):
            rows.append(
                {
                    "event_type": type_labels.get(event.event_type, event.event_type),
                    "event_date": spreadsheet.to_local(event.date, tz),
                    "tlc": event.lot_id.name,
                    "product": event.product_id.display_name,
                    "quantity": event.quantity,
                    "uom": event.uom_id.name,
                    "event_location": event._get_event_location_name(),
                    "previous_source": event._get_location_label(event.location_id),
                    "next_recipient": event._get_location_label(event.location_dest_id),
                    "tlc_source": tlc_sources.get(event.lot_id.id, ""),
                    "document_type": event._get_document_type(),
                    "document_number": event.reference or "",
                    "input_lots": event.input_lot_codes or "",
                }
            )
        return rows

    def _get_customer_sheet(self):
        """Headers and rows of the customers' shipments (returns negative)."""
        self.ensure_one()
        tz = self._get_export_tz()
        kinds = dict(
            self.env["stock.recall.shipment"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        headers = [
            ("customer", self.env._("Customer")),
            ("address", self.env._("Delivery address")),
            ("date", self.env._("Date (%(tz)s)", tz=tz)),
            ("kind", self.env._("Kind")),
            ("document", self.env._("Document")),
            ("product", self.env._("Product")),
            ("lot", self.env._("Lot/Serial")),
            ("quantity", self.env._("Quantity")),
            ("uom", self.env._("Unit")),
            ("notified", self.env._("Notified")),
        ]
        rows = [
            {
                "customer": shipment.customer_name,
                "address": spreadsheet.one_line(
                    shipment.delivery_partner_id._display_address(without_company=True)
                    if shipment.delivery_partner_id
                    else ""
                ),
                "date": spreadsheet.to_local(shipment.date, tz),
                "kind": kinds[shipment.kind],
                "document": shipment.picking_id.name or "",
                "product": shipment.product_id.display_name,
                "lot": shipment.lot_id.name,
                "quantity": shipment.quantity,
                "uom": shipment.uom_id.name,
                "notified": self.env._("Yes") if shipment.notified else "",
            }
            for shipment in self.shipment_ids
        ]
        return headers, rows

    def _get_lot_sheet(self):
        """Headers and rows of the affected lots with their mass balance."""
        self.ensure_one()
        lot_model = self.env["stock.recall.lot"]
        keys = [
            "direction",
            "depth",
            "path",
            "tlc_source",
            "qty_in",
            "qty_on_hand",
            "qty_in_transit",
            "qty_shipped",
            "qty_returned",
            "qty_vendor_returned",
            "qty_consumed",
            "qty_scrapped",
            "qty_adjusted",
            "qty_accounted",
            "qty_unexplained",
        ]
        headers = [
            ("lot", self.env._("Lot/Serial")),
            ("product", self.env._("Product")),
            *(
                (key, lot_model._fields[key]._description_string(self.env))
                for key in keys
            ),
            ("uom", self.env._("Unit")),
            ("balance_pct", self.env._("Accounted (%)")),
            ("balance_flag", self.env._("Out of balance")),
        ]
        directions = dict(
            lot_model._fields["direction"]._description_selection(self.env)
        )
        rows = []
        for line in self.affected_lot_ids:
            row = {key: line[key] for key in keys}
            row.update(
                lot=line.lot_id.name,
                product=line.product_id.display_name,
                direction=directions[line.direction],
                path=line.path or "",
                tlc_source=line.tlc_source or "",
                uom=line.uom_id.name,
                balance_pct=line.balance_pct,
                balance_flag=self.env._("Yes") if line.balance_flag else "",
            )
            rows.append(row)
        return headers, rows

    def _export_csv(self):
        headers = self._get_fsma_headers()
        return spreadsheet.write_csv(
            [label for _key, label in headers],
            [[row[key] for key, _label in headers] for row in self._get_fsma_rows()],
        )

    def _export_xlsx(self):
        fsma_headers = self._get_fsma_headers()
        sections = [
            (self.env._("FSMA events"), fsma_headers, self._get_fsma_rows()),
            (
                self.env._("Other movements"),
                fsma_headers,
                self._get_fsma_rows(fsma=False),
            ),
            (self.env._("Customers"), *self._get_customer_sheet()),
            (self.env._("Lots and mass balance"), *self._get_lot_sheet()),
        ]
        return spreadsheet.write_workbook(
            [
                (
                    name,
                    [label for _key, label in headers],
                    [[row[key] for key, _label in headers] for row in rows],
                    None,
                )
                for name, headers, rows in sections
            ]
        )

    # ------------------------------------------------------------------
    # customer list export (notification by phone or post)
    # ------------------------------------------------------------------

    def _get_customer_list_headers(self):
        tz = self.env.user.tz or "UTC"
        return [
            self.env._("Customer"),
            self.env._("Contact"),
            self.env._("Email"),
            self.env._("Phone"),
            self.env._("Address"),
            self.env._("Product"),
            self.env._("Lot/Serial"),
            self.env._("Quantity"),
            self.env._("Unit"),
            self.env._("Notified on (%(tz)s)", tz=tz),
        ]

    def _get_customer_list_rows(self):
        """One row per customer and lot they still hold (shipped minus
        returned, in the product's unit); the notice date in the user's
        time zone (naive ``datetime``)."""
        self.ensure_one()
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        rows = []
        for partner, customer in status.get(self, {}).items():
            for (lot, product), qty in customer["lots"].items():
                shipments = self.shipment_ids._get_notice_rows(
                    partner, {(lot, product)}
                )
                rows.append(self._prepare_customer_list_row(partner, shipments, qty))
        return sorted(rows, key=lambda row: (row[0], row[5], row[6]))

    def _prepare_customer_list_row(self, partner, shipments, qty):
        contact = shipments.delivery_partner_id[:1] or partner
        notified = max(
            shipments.filtered("notified_date").mapped("notified_date"), default=False
        )
        if notified:
            notified = fields.Datetime.context_timestamp(self, notified).replace(
                tzinfo=None
            )
        return [
            partner.display_name or self.env._("Anonymous retail customer"),
            (contact.name or "") if contact != partner else "",
            contact.email or partner.email or "",
            contact.phone or partner.phone or "",
            ", ".join(filter(None, (contact.contact_address or "").splitlines())),
            shipments.product_id.display_name,
            shipments.lot_id.name,
            shipments.product_id.uom_id.round(qty),
            shipments.product_id.uom_id.name,
            notified or "",
        ]

    def _export_customers(self, file_format):
        headers = self._get_customer_list_headers()
        rows = self._get_customer_list_rows()
        if file_format == "xlsx":
            widths = [30, 24, 28, 18, 50, 32, 20, 10, 10, 20]
            return spreadsheet.write_xlsx(
                self.env._("Customers"), headers, rows, widths
            )
        csv_rows = [
            [
                value.strftime("%Y-%m-%d %H:%M") if index == 9 and value else value
                for index, value in enumerate(row)
            ]
            for row in rows
        ]
        return spreadsheet.write_csv(headers, csv_rows)

    def _store_export(self, filename, content, mimetype):
        """The recall's attachment named ``filename``, replaced if it exists:
        one attachment per recall and format, however often it is exported."""
        self.ensure_one()
        # readers of the recall may export it: the attachment hangs on the
        # recall (readable by them) but they cannot write the recall itself
        attachments = self.env["ir.attachment"].sudo()
        attachment = attachments.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("name", "=", filename),
            ],
            limit=1,
        )
        vals = {"datas": base64.b64encode(content), "mimetype": mimetype}
        if attachment:
            attachment.write(vals)
            return attachment
        return attachments.create(
            {"name": filename, "res_model": self._name, "res_id": self.id, **vals}
        )

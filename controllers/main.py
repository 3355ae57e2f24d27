# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import http
from odoo.http import content_disposition, request


class RecallExportController(http.Controller):
    """Recall exports as a direct download that writes nothing (no stored
    attachment, no drill time): ``readonly=True`` lets a deployment with a
    PostgreSQL replica (``db_replica_host``) answer it there. The form's
    export actions keep storing the file on the recall."""

    @http.route(
        "/stock_lot_traceability/recall/<int:recall_id>/export/"
        "<any(fsma,customers,epcis):export>.<any(xlsx,csv,jsonld,xml):file_format>",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def recall_export(self, recall_id, export, file_format):
        recall = request.env["stock.recall"].browse(recall_id).exists()
        if not recall:
            raise request.not_found()
        recall.check_access("read")
        if (export == "epcis") != (file_format in ("jsonld", "xml")):
            raise request.not_found()
        filename, content, mimetype = recall._get_export_file(export, file_format)
        return self._download(filename, content, mimetype)

    @http.route(
        "/stock_lot_traceability/lot/<int:lot_id>/epcis.<any(jsonld,xml):file_format>",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def lot_epcis(self, lot_id, file_format):
        """The EPCIS 2.0 document of a lot's whole history."""
        lot = request.env["stock.lot"].browse(lot_id).exists()
        if not lot:
            raise request.not_found()
        lot.check_access("read")
        filename, content, mimetype = lot._get_epcis_file(file_format)
        return self._download(filename, content, mimetype)

    def _download(self, filename, content, mimetype):
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

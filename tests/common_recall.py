# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared base of the recall tests (no test of its own)."""

import copy
import re
from unittest import SkipTest

from odoo.fields import Command
from odoo.tools import SQL

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools import trace_engine
from .common import TraceabilityCase
from .genealogy_checks import edge_problems


class RecallCase(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recall_manager = mail_new_test_user(
            cls.env,
            login="slt_recall_manager",
            groups="stock.group_stock_user,stock.group_production_lot,"
            "stock_lot_traceability.group_recall_manager",
        )

    @classmethod
    def _require_mrp(cls):
        """Skip the class where ``mrp`` is not installed: its lots are
        made by manufacturing orders."""
        if not cls.builder.has_mrp:
            raise SkipTest("the recall tests need mrp")

    @classmethod
    def _setup_chain(cls, prefix, serials):
        """A 3-level manufacturing chain shipped to 3 customers (needs mrp):
        ``cls.chain``, its raw lot ``cls.raw_lot`` and ``cls.finished``."""
        cls._require_mrp()
        cls.chain = cls.builder.build_chain(
            levels=3, prefix=prefix, serials=serials, customers=3, raw_qty=100.0
        )
        cls.raw_lot = cls.chain["lots"][0]
        cls.finished = cls.chain["lots"][-1]

    @classmethod
    def _new_recall(cls, lots, direction="downstream", **vals):
        return cls.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(lots.ids)],
                "direction": direction,
                "reason": "Contaminated raw material",
                **vals,
            }
        )

    @staticmethod
    def _per_partner(shipments):
        totals = {}
        for shipment in shipments:
            totals[shipment.partner_id] = (
                totals.get(shipment.partner_id, 0.0) + shipment.quantity
            )
        return totals

    @staticmethod
    def _notify_wizard(recall, follow_up=False):
        """The Notify wizard of ``recall``, opened as its user."""
        action = recall.action_notify_again() if follow_up else recall.action_notify()
        return recall.env[action["res_model"]].browse(action["res_id"])

    # ------------------------------------------------------------------
    # The genealogy tells the truth
    # ------------------------------------------------------------------

    def assertGenealogyTrue(self, recall):
        """The genealogy of ``recall`` (its Genealogy tab, and the PDF, which
        draws the same edges) and the live genealogy of each of its seed
        lots only draw what happened (:meth:`assertGraphTrue`)."""
        graph = recall.get_genealogy()
        self.assertGraphTrue(graph)
        svg = str(recall._get_genealogy_svg())
        self.assertEqual(
            re.findall(r'<path d="([^"]*)"', svg),
            [edge["d"] for edge in graph["edges"]],
            "the PDF draws the edges of the Genealogy tab",
        )
        for lot in recall.lot_ids:
            self.assertGraphTrue(lot.get_genealogy())

    def assertGraphTrue(self, graph):
        """Each edge of the positioned ``graph`` links two lots that an edge
        of the traced lot graph links (a consume link, an unbuild, a
        transit between companies: their done move lines, by lot id), a lot
        and a customer it was shipped to or returned from
        (:meth:`_shipped_to`), or a lot and a subcontractor it was sent to
        (:meth:`_sent_to_subcontractor`), one of the records of whose box
        is of the lot; and each edge runs from one of its boxes to the
        other without passing through any other box."""
        nodes = {node["id"]: node for node in graph["nodes"]}
        for edge in graph["edges"]:
            source, target = nodes[edge["source"]], nodes[edge["target"]]
            kinds = {source["kind"], target["kind"]}
            name = f"{source['label']} -> {target['label']}"
            if kinds == {"lot"}:
                self.assertTrue(
                    self._lots_linked(source["res_ids"], target["res_ids"]),
                    f"{name} is not an edge of the traced lot graph",
                )
                continue
            self.assertEqual(kinds, {"lot", "customer"}, name)
            lot, party = (
                (source, target) if source["kind"] == "lot" else (target, source)
            )
            if party["state"] == "subcontractor":
                self.assertTrue(
                    self._sent_to_subcontractor(lot["res_ids"], party),
                    f"{name}: the lot was never sent to this subcontractor",
                )
            else:
                self.assertTrue(
                    self._shipped_to(lot["res_ids"], party),
                    f"{name}: no shipment of the lot to this customer",
                )
            # the box's records (the shipments view's customer rows, the
            # lines sent to a subcontractor) list the lot
            records = self.env[party["res_model"]].browse(party["res_ids"])
            self.assertTrue(
                set(records.lot_id.ids) & set(lot["res_ids"]),
                f"{name}: no record of the box is of the lot",
            )
        problems = edge_problems(graph)
        self.assertFalse(problems, "\n".join(problems))

    @staticmethod
    def _forged(graph, node_id, **changes):
        """A copy of ``graph`` whose node ``node_id`` takes ``changes`` (a
        new ``id`` is followed by its edges): a lie that
        :meth:`assertGraphTrue` must catch."""
        graph = copy.deepcopy(graph)
        new_id = changes.get("id", node_id)
        for node in graph["nodes"]:
            if node["id"] == node_id:
                node.update(changes)
        for edge in graph["edges"]:
            for end in ("source", "target"):
                if edge[end] == node_id:
                    edge[end] = new_id
        return graph

    def _lots_linked(self, lot_ids, other_ids):
        """Whether a done line of one of ``lot_ids`` leads to a done line of
        one of ``other_ids`` (or back) by one edge of the lot graph
        (:func:`.trace_engine.edge_sql`)."""
        follow_unbuild = "unbuild_id" in self.env["stock.move"]._fields
        self.env.flush_all()
        linked = []
        for direction in (trace_engine.DOWNSTREAM, trace_engine.UPSTREAM):
            [[found]] = self.env.execute_query(
                SQL(
                    """
                    SELECT EXISTS (
                        SELECT 1
                          FROM stock_move_line src
                         CROSS JOIN LATERAL (%(edges)s) AS edge(line_id)
                          JOIN stock_move_line dst ON dst.id = edge.line_id
                         WHERE src.lot_id = ANY(%(lots)s) AND src.state = 'done'
                           AND dst.lot_id = ANY(%(others)s) AND dst.state = 'done')
                    """,
                    edges=trace_engine.edge_sql(direction, follow_unbuild),
                    lots=list(lot_ids),
                    others=list(other_ids),
                )
            )
            linked.append(found)
        return any(linked)

    @staticmethod
    def _party_id(node):
        """The partner id of a customer or subcontractor box
        (``customer-<id>``, ``subcontractor-<id>``; 0: no partner), None for
        a group of them (any of its kind)."""
        return None if node["is_group"] else int(node["id"].split("-")[1])

    def _shipped_to(self, lot_ids, customer):
        """Whether a done line of ``lot_ids`` went to (or came back from) the
        customer of the node ``customer`` (:meth:`_line_customers`)."""
        partner_id = self._party_id(customer)
        lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", lot_ids),
                ("state", "=", "done"),
                "|",
                ("location_dest_id.usage", "=", "customer"),
                ("location_id.usage", "=", "customer"),
            ]
        )
        return any(
            partner_id is None or partner_id in self._line_customers(line)
            for line in lines
        )

    def _line_customers(self, line):
        """Ids of the customers of a line to or from customers (0: none
        named): the commercial partner of its transfer or of its move; for
        a point-of-sale transfer with neither, the customer of its order, or
        for the transfer of a session (its stock moved at the session's
        closing) those of the session's orders that sold (or, a return, took
        back) the line's lot, read from the orders themselves, not from what
        the trace stored."""
        partners = line.picking_id.partner_id | line.move_id.partner_id
        if partners:
            return set(partners.commercial_partner_id.ids)
        picking = line.picking_id
        if "pos_session_id" not in picking._fields or not picking.pos_session_id:
            return {0}
        if picking.pos_order_id:  # an order's own transfer: its customer
            return {picking.pos_order_id.partner_id.commercial_partner_id.id or 0}
        sold = line.location_dest_id.usage == "customer"
        orders = picking.pos_session_id.order_ids.filtered(
            lambda order: any(
                order_line.product_id == line.product_id
                and (order_line.qty > 0) == sold
                and line.lot_id.name in order_line.pack_lot_ids.mapped("lot_name")
                for order_line in order.lines
            )
        )
        return {order.partner_id.commercial_partner_id.id or 0 for order in orders}

    def _sent_to_subcontractor(self, lot_ids, party):
        """Whether a done line of ``lot_ids`` went from our stock into a
        subcontracting location (``mrp_subcontracting``'s
        ``stock.location.is_subcontract``) for the subcontractor of the
        node ``party`` (the commercial partner of its transfer or move)."""
        partner_id = self._party_id(party)
        if "subcontractor_ids" not in self.env["stock.location"]._fields:
            return False
        lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", lot_ids),
                ("state", "=", "done"),
                ("location_id.usage", "in", ("internal", "transit")),
                ("location_dest_id.usage", "=", "internal"),
            ]
        )
        for line in lines:
            if not line.location_dest_id.is_subcontract() or (
                line.location_id.is_subcontract()
            ):
                continue
            partners = line.picking_id.partner_id | line.move_id.partner_id
            if partner_id is None or partner_id in (
                partners.commercial_partner_id.ids or [0]
            ):
                return True
        return False

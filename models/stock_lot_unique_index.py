# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""stock.lot: the database guarantee of serial uniqueness (A1), the unique
index on the uniqueness key, and the lots sharing a key that block it."""

import logging

import psycopg2

from odoo import api, models
from odoo.tools import SQL, sql

_logger = logging.getLogger(__name__)

# Serial uniqueness scope (A1): the database index on normalised names
UNIQUE_KEY_INDEX = "stock_lot_traceability_unique_key_uniq"
UNIQUE_KEY_INDEX_DEFINITION = (
    "(traceability_unique_key) WHERE traceability_unique_key IS NOT NULL"
)


def unique_key_message(env, diagnostics=None):
    return env._(
        "This lot/serial number already exists in the uniqueness scope set in "
        "Inventory › Settings › Strict Traceability (names are compared without "
        "surrounding spaces and without case)."
    )


class StockLot(models.Model):
    _inherit = "stock.lot"

    _traceability_unique_key_uniq = models.UniqueIndex(
        UNIQUE_KEY_INDEX_DEFINITION,
        unique_key_message,
    )

    def init(self):
        # Install and upgrade: Odoo gives up on the unique key index when old
        # lots share a key (one ERROR line in the log); say what blocks it,
        # and create it once the conflicts are gone.
        super().init()
        self._traceability_ensure_unique_index()

    def _register_hook(self):
        # Registry load: one catalog query when the index exists.
        super()._register_hook()
        self._traceability_ensure_unique_index()

    @api.model
    def _traceability_unique_index_exists(self):
        """Whether the database enforces A1 (one catalog query)."""
        return bool(sql.index_exists(self.env.cr, UNIQUE_KEY_INDEX))

    @api.model
    def _traceability_unique_key_conflicts(self, company_ids=None):
        """``[(key, [lot ids])]``: the lots that share a uniqueness key (made
        before the add-on, or while the index was missing). They block the
        unique index. ``company_ids`` keeps the groups with a lot of these
        companies or without company."""
        self.flush_model(["traceability_unique_key", "company_id"])
        having = SQL()
        if company_ids is not None:
            having = SQL(
                "AND bool_or(company_id IS NULL OR company_id = ANY(%s))",
                list(company_ids),
            )
        return self.env.execute_query(
            SQL(
                """
                SELECT traceability_unique_key, array_agg(id ORDER BY id)
                  FROM stock_lot
                 WHERE traceability_unique_key IS NOT NULL
                 GROUP BY traceability_unique_key
                HAVING count(*) > 1 %s
                 ORDER BY traceability_unique_key
                """,
                having,
            )
        )

    @api.model
    def _traceability_ensure_unique_index(self):
        """Create the unique key index (A1) if it is missing and no lots
        share a key; never touches the lots. Called at install, upgrade,
        registry load and after a fix. Returns whether the index exists."""
        if self._traceability_unique_index_exists():
            return True
        conflicts = self._traceability_unique_key_conflicts()
        if conflicts:
            _logger.warning(
                "Serial uniqueness is not enforced by the database: %s groups of "
                "lots/serial numbers share a name (spaces and case ignored) in "
                "their uniqueness scope, e.g. lots %s. Nothing was changed; "
                "rename or merge them from Inventory > Reporting > Traceability "
                "Health, then the unique index %s is created.",
                len(conflicts),
                conflicts[0][1],
                UNIQUE_KEY_INDEX,
            )
            return False
        index = self._table_objects[UNIQUE_KEY_INDEX]
        try:
            with self.env.cr.savepoint(flush=False):
                sql.add_index(
                    self.env.cr,
                    UNIQUE_KEY_INDEX,
                    self._table,
                    UNIQUE_KEY_INDEX_DEFINITION,
                    unique=True,
                    comment=index.get_definition(self.pool),
                )
        except psycopg2.Error as error:
            # e.g. a duplicate committed meanwhile: the next check retries.
            _logger.warning(
                "Could not create the unique index %s: %s", UNIQUE_KEY_INDEX, error
            )
            return False
        _logger.info("Serial uniqueness: unique index %s created", UNIQUE_KEY_INDEX)
        return True

    @api.model
    def _traceability_unique_index_warning(self):
        """Why the database does not enforce serial uniqueness, for the
        settings page; empty when the index exists. Read from the catalog,
        never from a stored flag."""
        if self._traceability_unique_index_exists():
            return ""
        conflicts = len(self._traceability_unique_key_conflicts())
        if not conflicts:
            return self.env._(
                "Serial uniqueness is not enforced by the database: its unique "
                "index is missing although no lots/serial numbers share a name "
                "any more. It is created at the next server start or module "
                "update, or by resolving duplicates from the health check."
            )
        return self.env._(
            "Serial uniqueness is not enforced by the database: %(count)s groups "
            "of lots/serial numbers share a name (spaces and case ignored) in "
            "their uniqueness scope, so its unique index cannot be created. New "
            "duplicates are still refused by the application checks, but "
            "concurrent writes are not protected. Rename or merge them from the "
            "health check (finding 'Lots/serials sharing a name').",
            count=conflicts,
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import UserError, ValidationError


class TraceabilityError(UserError):
    """A workflow blocked by a strict traceability rule.

    Raised once per validation, listing every offending line.
    """


class TraceabilityValidationError(ValidationError):
    """A constraint of a strict traceability rule (create/write paths)."""


class TraceabilityJobCancelled(Exception):
    """A background job saw its cancel request: its work is rolled back."""

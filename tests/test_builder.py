# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from .common import TraceabilityCase


class TestBuilder(TraceabilityCase):
    def test_company_defaults(self):
        self.assertTrue(self.company.strict_traceability)

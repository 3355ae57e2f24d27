# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared pieces of the property-based tests (Hypothesis).

Every property runs a fixed number of generated examples drawn from a fixed
seed (``derandomize``: the seed comes from the test's code), with no
deadline (a loaded CI machine is slow, not wrong) and no example database on
disk: a run tests the same cases every time, on a laptop as in CI. The
number of examples of each property is given where the property is
declared; their sum is what ``make unit`` and ``make test`` run.
"""

import string

from hypothesis import settings
from hypothesis import strategies as st


def property_settings(max_examples):
    """Settings of a property: ``max_examples`` cases, deterministic."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        print_blob=False,
    )


# Text as users type, scan or import it: any Unicode character but lone
# surrogates, which no UTF-8 text carries (control and format characters,
# non-ASCII letters, spaces of every kind), the ASCII range weighted in so
# that the GS1 and CSV branches are reached.
CONTROL_CHARS = "\x00\x01\x09\x0a\x0b\x0c\x0d\x1c\x1d\x1e\x1f\x7f\x85\xa0"
FORMAT_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(string.printable),
        st.sampled_from(CONTROL_CHARS + FORMAT_CHARS),
    ),
    max_size=40,
)
# What PostgreSQL can store in a text column: anything but NUL.
DB_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
        st.sampled_from(string.printable),
        st.sampled_from(CONTROL_CHARS[1:] + FORMAT_CHARS),
    ),
    max_size=40,
)

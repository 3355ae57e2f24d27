#!/usr/bin/env python3
"""Run Odoo's own tests on an installed database, all with the full registry.

    compat_runner.py OUT.jsonl odoo-bin-arguments...   (used by dev/tools/compat.sh)

Odoo runs a module's ``at_install`` tests while the registry only holds
that module and its dependencies, i.e. before the add-on's code is loaded.
To test Odoo's suites *with the add-on*, this runner starts Odoo on a
database where everything is already installed (no -i/-u) and runs the
selected ``at_install`` and ``post_install`` tests together after the whole
registry is loaded, with the HTTP server up (tours). It writes one JSON line
per test: id, module, outcome (pass/fail/error/skip) and the error text.
"""

import json
import os
import re
import sys
import traceback


def round_robin(tests):
    """Interleave the test classes of the modules (each class kept whole), so
    that a run stopped early has covered every suite; same order every run."""
    by_module = {}
    for test in tests:
        match = re.search(r"odoo\.addons\.(\w+)", test.id())
        module = match.group(1) if match else "?"
        classes = by_module.setdefault(module, {})
        classes.setdefault(type(test), []).append(test)
    queues = {m: list(classes.values()) for m, classes in sorted(by_module.items())}
    ordered = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                ordered += queue.pop(0)
    return ordered


def main():
    out_path = sys.argv[1]
    odoo_args = sys.argv[2:]
    # The venv that `make setup` made imports odoo from ODOO_SRC already.
    if os.environ.get("ODOO_SRC"):
        sys.path.insert(0, os.environ["ODOO_SRC"])
    import odoo.cli  # noqa: PLC0415
    from odoo.tests import loader, result  # noqa: PLC0415

    out = open(out_path, "w", buffering=1)  # noqa: SIM115

    original_make_suite = loader.make_suite

    def make_suite(module_names, position="at_install"):
        if position == "at_install":
            return loader.OdooSuite([])
        at_install = original_make_suite(module_names, "at_install")
        post_install = original_make_suite(module_names, "post_install")
        return loader.OdooSuite(round_robin([*at_install, *post_install]))

    loader.make_suite = make_suite

    cls = result.OdooTestResult

    def record(test, outcome, err=None):
        test_id = test.id()
        match = re.search(r"odoo\.addons\.(\w+)", test_id)
        module = match.group(1) if match else "?"
        text = ""
        if err is not None:
            try:
                text = "".join(traceback.format_exception(*err))[-4000:]
            except Exception:  # noqa: BLE001
                text = repr(err[1])
        out.write(
            json.dumps(
                {"id": test_id, "module": module, "outcome": outcome, "error": text}
            )
            + "\n"
        )

    def wrap(name, outcome):
        original = getattr(cls, name)

        def method(self, test, *args):
            if name == "addSubTest":
                subtest, err = args
                if err is not None:
                    failure = issubclass(err[0], test.failureException)
                    record(subtest, "fail" if failure else "error", err)
            elif name == "addSkip":
                record(test, "skip")
            elif name == "addSuccess":
                if not getattr(test, "_compat_failed", False):
                    record(test, "pass")
            else:
                record(test, outcome, args[0])
                test._compat_failed = True
            return original(self, test, *args)

        setattr(cls, name, method)

    wrap("addError", "error")
    wrap("addFailure", "fail")
    wrap("addSubTest", None)
    wrap("addSuccess", "pass")
    wrap("addSkip", "skip")

    sys.argv = ["odoo-bin", *odoo_args]
    try:
        odoo.cli.main()
    finally:
        out.close()


if __name__ == "__main__":
    main()

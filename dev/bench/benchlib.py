"""Shared helpers of the benchmark scripts (not part of the add-on).

The scripts run from the checkout with the project's venv python; they open
Odoo databases through the Odoo library found in ODOO_SRC (or the tree that
``make setup`` recorded).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The scripts' output goes through dev/tools/clilog.py (no print()).
sys.path.insert(0, str(ROOT / "dev" / "tools"))
from clilog import out  # noqa: E402,F401

ADDON = "stock_lot_traceability"
ODOORC = ROOT / ".odoorc"
DATA_DIR = ROOT / ".odoo-data"
VENV_PY = ROOT / ".venv" / "bin" / "python"
EXTRA_MODULES = "mrp,sale_stock,purchase_stock"
OUT_DIR = ROOT / "dev" / "bench" / "out"

os.environ.setdefault("PGHOST", "localhost")
os.environ.setdefault("PGPORT", "5432")
os.environ.setdefault("PGUSER", "odoo")
os.environ.setdefault("PGPASSWORD", "odoo")


def odoo_src():
    src = os.environ.get("ODOO_SRC")
    if not src and (ROOT / ".odoo_src").exists():
        src = (ROOT / ".odoo_src").read_text().strip()
    if not src:
        sys.exit("No Odoo 19.0 tree: run 'make setup' or set ODOO_SRC.")
    return str(Path(src).resolve())


def psql(sql, db="postgres"):
    result = subprocess.run(
        ["psql", "-d", db, "-Atc", sql], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def db_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def template_name():
    """Name of the cached template DB built by dev/tools/test.sh."""
    src = odoo_src()
    h = hashlib.sha256()
    h.update(f"{src} {EXTRA_MODULES}\n".encode())
    rev = subprocess.run(
        ["git", "-C", src, "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if rev.returncode == 0:
        h.update(rev.stdout.encode())
    h.update(Path(src, "odoo", "release.py").read_bytes())
    h.update((ROOT / "dev" / "tools" / "requirements-odoo.txt").read_bytes())
    name = "slt_tmpl_" + h.hexdigest()[:10]
    if db_exists(name):
        return name
    found = psql(
        "SELECT datname FROM pg_database WHERE datname LIKE 'slt_tmpl_%' "
        "AND datname NOT LIKE '%.tmp' ORDER BY datname LIMIT 1"
    )
    return found or None


def odoo_bin(*args, check=True, **kw):
    cmd = [str(VENV_PY), os.path.join(odoo_src(), "odoo-bin"), "-c", str(ODOORC)]
    cmd += list(args)
    return subprocess.run(cmd, check=check, **kw)


def copy_filestore(src_db, dst_db):
    src = DATA_DIR / "filestore" / src_db
    dst = DATA_DIR / "filestore" / dst_db
    if dst.exists():
        shutil.rmtree(dst)
    if src.exists():
        shutil.copytree(src, dst)


def drop_db(name):
    subprocess.run(["dropdb", "--if-exists", "-f", name], check=True)
    shutil.rmtree(DATA_DIR / "filestore" / name, ignore_errors=True)


def create_db_with_addon(name, with_addon=True, log=print):
    """Fresh DB copied from the test template, with the add-on installed."""
    drop_db(name)
    tmpl = template_name()
    if tmpl:
        log(f"creating {name} from template {tmpl}")
        subprocess.run(["createdb", "-T", tmpl, name], check=True)
        copy_filestore(tmpl, name)
        modules = ADDON if with_addon else None
    else:
        log(f"no template DB found: installing {EXTRA_MODULES} into {name}")
        modules = EXTRA_MODULES + ("," + ADDON if with_addon else "")
    if modules:
        odoo_bin(
            "-d",
            name,
            "-i",
            modules,
            "--stop-after-init",
            "--log-level=warn",
            "--max-cron-threads=0",
        )


def update_addon(name):
    """Load the add-on's current code into an existing DB (-u)."""
    odoo_bin(
        "-d",
        name,
        "-u",
        ADDON,
        "--stop-after-init",
        "--log-level=warn",
        "--max-cron-threads=0",
    )


_REGISTRIES = {}


def registry(db):
    src = odoo_src()
    if src not in sys.path:
        sys.path.insert(0, src)
    import odoo  # noqa: PLC0415, F401
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    if not _REGISTRIES:
        config.parse_config(
            ["-c", str(ODOORC), "-d", db, "--log-level=warn", "--max-cron-threads=0"]
        )
    if db not in _REGISTRIES:
        _REGISTRIES[db] = Registry(db)
    return _REGISTRIES[db]


@contextmanager
def environment(db, commit=False, context=None):
    from odoo import api  # noqa: PLC0415

    reg = registry(db)
    with reg.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, dict(context or {}))
        try:
            yield env
        except BaseException:
            cr.rollback()
            raise
        if commit:
            env.flush_all()
            cr.commit()
        else:
            cr.rollback()


class Timer:
    def __init__(self):
        self.t0 = time.perf_counter()

    @property
    def elapsed(self):
        return time.perf_counter() - self.t0

"""``make wheel``: build the add-on's wheel and list what it ships.

The wheel carries the add-on under ``odoo/addons/stock_lot_traceability``
and nothing of the development tooling. The check fails when

* a file of the tooling (``dev/``, ``.ci/``, ``Makefile``, lint and build
  configuration) is in the wheel;
* a file git tracks outside the tooling is missing from it (a new folder of
  the add-on left out of the build);
* the wheel's version is not the manifest's, or its requirements miss one of
  the manifest's Python ``external_dependencies``.

Run as ``python dev/tools/wheel_check.py <checkout> <out-dir>``.
"""

import ast
import email
import subprocess
import sys
import zipfile
from pathlib import Path

from clilog import out

ADDON = "stock_lot_traceability"
PREFIX = f"odoo/addons/{ADDON}/"
TOOLING = ("dev/", ".ci/", "Makefile", ".pylintrc", ".gitignore", "pyproject.toml")


def build(root, out_dir):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(out_dir),
            str(root),
        ],
        check=True,
    )
    wheels = sorted(Path(out_dir).glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {out_dir}, found {len(wheels)}")
    return wheels[0]


def tracked_files(root):
    out = subprocess.run(
        ["git", "ls-files"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if line]


def problems_of(root, wheel):
    manifest = ast.literal_eval((Path(root) / "__manifest__.py").read_text())
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_name))
    shipped = {n[len(PREFIX) :] for n in names if n.startswith(PREFIX)}
    problems = [
        f"tooling in the wheel: {n}" for n in sorted(shipped) if n.startswith(TOOLING)
    ]
    expected = [f for f in tracked_files(root) if not f.startswith(TOOLING)]
    problems += [f"missing from the wheel: {f}" for f in expected if f not in shipped]
    if metadata["Version"] != manifest["version"]:
        problems.append(
            f"version {metadata['Version']} is not the manifest's {manifest['version']}"
        )
    required = " ".join(metadata.get_all("Requires-Dist") or []).lower()
    for dependency in manifest.get("external_dependencies", {}).get("python", []):
        if dependency.lower() not in required:
            problems.append(
                f"external dependency {dependency} not required by the wheel"
            )
    return names, problems


def main(root, out_dir):
    wheel = build(root, out_dir)
    names, problems = problems_of(root, wheel)
    out(f"{wheel.name}: {len(names)} files")
    for name in names:
        out(f"  {name}")
    for problem in problems:
        out(f"FAILED {problem}")
    if problems:
        return 1
    out("OK the wheel ships the add-on and none of the development tooling")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

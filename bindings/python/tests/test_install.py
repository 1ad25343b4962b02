"""The package installs offline with Debian's pip and setuptools
(``pip install --no-build-isolation``) and works from where it landed."""

import os
import shutil
import subprocess
import sys

from conftest import PYTHON_PACKAGE_ROOT, subprocess_environment


def test_offline_install_then_import_and_use(tmp_path):
    source = tmp_path / "source"  # a copy: the build writes next to the sources
    shutil.copytree(PYTHON_PACKAGE_ROOT, source,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "build", "*.egg-info",
                                                  "tests"))
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index",
         "--no-deps", "--disable-pip-version-check", "--quiet", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    assert (target / "linkvault" / "__init__.py").is_file()

    environment = subprocess_environment()
    environment["PYTHONPATH"] = str(target)
    vault_path = tmp_path / "installed.vault"
    code = (
        "import linkvault as lv, os\n"
        "assert os.path.dirname(lv.__file__).startswith(%r)\n"
        "with lv.Vault.open(%r, key=bytes(32)) as v:\n"
        "    t = v.tenant('acme')\n"
        "    i = t.connect(lv.Actor('u', 'U', role='admin'), 'tave', {'api_key': 'k-0123456789ab'})\n"
        "    print(t.get(i.id).credential_mask, v.verify_audit()['ok'])\n"
    ) % (str(target), str(vault_path))
    run = subprocess.run([sys.executable, "-c", code], env=environment, cwd=str(tmp_path),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["••••89ab", "True"]

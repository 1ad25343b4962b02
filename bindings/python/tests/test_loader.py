"""The one loader (linkvault/_native.py): LINKVAULT_LIBRARY, then the package
folder, then the build tree; a wrong or missing library is an ImportError
that says what was found where."""

import os
import shutil
import subprocess
import sys

import pytest

import linkvault as lv
from conftest import PYTHON_PACKAGE_ROOT, subprocess_environment

PRINT_PATH = "import linkvault; print(linkvault.library_path())"


def run_python(code, environment, cwd=None):
    return subprocess.run([sys.executable, "-c", code], env=environment, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def import_with_library(library):
    """`import linkvault` in a fresh interpreter told to load `library`."""
    environment = subprocess_environment()
    environment["LINKVAULT_LIBRARY"] = str(library)
    return run_python("import linkvault", environment)


def without_library_variable(pythonpath):
    environment = subprocess_environment()
    environment.pop("LINKVAULT_LIBRARY")
    environment["PYTHONPATH"] = pythonpath
    return environment


def copy_package(destination):
    shutil.copytree(os.path.join(PYTHON_PACKAGE_ROOT, "linkvault"), destination,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))


def test_environment_variable_is_used(tmp_path):
    completed = run_python(PRINT_PATH, subprocess_environment())
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == lv.library_path()


def test_missing_library_named_by_the_environment_is_an_import_error(tmp_path):
    environment = subprocess_environment()
    missing = str(tmp_path / "nowhere" / "liblinkvault_c.so")
    environment["LINKVAULT_LIBRARY"] = missing
    completed = run_python("import linkvault", environment)
    assert completed.returncode != 0
    assert "ImportError" in completed.stderr
    assert missing in completed.stderr
    assert "not found" in completed.stderr
    assert "LINKVAULT_LIBRARY" in completed.stderr


def test_a_library_that_is_not_linkvault_is_refused(tmp_path):
    impostor = tmp_path / "liblinkvault_c.so"
    impostor.write_bytes(b"\x7fELF not really a library")
    completed = import_with_library(impostor)
    assert completed.returncode != 0
    assert str(impostor) in completed.stderr
    assert "cannot be loaded" in completed.stderr


def compile_fake_library(tmp_path, source):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build a fake library")
    source_path = tmp_path / "fake.c"
    source_path.write_text(source)
    library = tmp_path / "liblinkvault_c.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source_path)], check=True)
    return library


def test_a_library_with_another_abi_version_is_refused(tmp_path):
    library = compile_fake_library(tmp_path, "int lv_abi_version(void) { return 99; }\n")
    completed = import_with_library(library)
    assert completed.returncode != 0
    assert str(library) in completed.stderr
    assert "ABI version 99" in completed.stderr and "need 1" in completed.stderr


def test_a_library_without_the_abi_function_is_refused(tmp_path):
    library = compile_fake_library(tmp_path, "int something_else(void) { return 1; }\n")
    completed = import_with_library(library)
    assert completed.returncode != 0
    assert "lv_abi_version" in completed.stderr


def test_a_library_missing_functions_is_refused(tmp_path):
    library = compile_fake_library(tmp_path, "int lv_abi_version(void) { return 1; }\n")
    completed = import_with_library(library)
    assert completed.returncode != 0
    assert "lacks a function" in completed.stderr


def test_package_folder_is_searched_when_no_variable_is_set(tmp_path):
    copy_package(tmp_path / "site" / "linkvault")
    shutil.copy(lv.library_path(), tmp_path / "site" / "linkvault" / "liblinkvault_c.so")
    completed = run_python(PRINT_PATH, without_library_variable(str(tmp_path / "site")))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(tmp_path / "site" / "linkvault" / "liblinkvault_c.so")


def test_build_tree_is_searched_in_a_checkout(tmp_path):
    repository = tmp_path / "repo"
    copy_package(repository / "bindings" / "python" / "linkvault")
    build = repository / "build-release" / "capi"
    build.mkdir(parents=True)
    shutil.copy(lv.library_path(), build / "liblinkvault_c.so")
    completed = run_python(PRINT_PATH, without_library_variable(str(repository / "bindings" / "python")))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(build / "liblinkvault_c.so")


def test_build_directory_named_build_comes_first(tmp_path):
    repository = tmp_path / "repo"
    copy_package(repository / "bindings" / "python" / "linkvault")
    for name in ("build-other", "build"):
        (repository / name / "capi").mkdir(parents=True)
        shutil.copy(lv.library_path(), repository / name / "capi" / "liblinkvault_c.so")
    completed = run_python(PRINT_PATH, without_library_variable(str(repository / "bindings" / "python")))
    assert completed.stdout.strip() == str(repository / "build" / "capi" / "liblinkvault_c.so")


def test_nothing_found_lists_every_place_tried(tmp_path):
    repository = tmp_path / "repo"
    copy_package(repository / "bindings" / "python" / "linkvault")
    completed = run_python("import linkvault", without_library_variable(
        str(repository / "bindings" / "python")))
    assert completed.returncode != 0
    assert "package folder" in completed.stderr
    assert str(repository / "build" / "capi" / "liblinkvault_c.so") in completed.stderr


def test_an_installed_copy_does_not_search_around_site_packages(tmp_path):
    copy_package(tmp_path / "site-packages" / "linkvault")
    completed = run_python("import linkvault", without_library_variable(str(tmp_path / "site-packages")))
    assert completed.returncode != 0
    assert "build tree" not in completed.stderr

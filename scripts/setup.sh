#!/usr/bin/env bash
# Installs the Debian packages linkvault needs (only those missing), then
# configures and builds with -j2 into ./build. Sourced by demo.sh and test.sh.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${LINKVAULT_BUILD_DIR:-$repo_root/build}"

packages=(
  build-essential cmake pkg-config
  libsqlcipher-dev libbotan-2-dev libsimdjson-dev libfmt-dev libpq-dev doctest-dev
  python3 python3-pytest python3-cryptography python3-setuptools python3-pip python3-wheel
)
# test.sh adds what only its sanitizer and fuzz stages need (clang).
read -r -a extra_packages <<< "${LINKVAULT_SETUP_EXTRA_PACKAGES:-}"
packages+=("${extra_packages[@]}")
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y "${missing[@]}"
fi

cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build_dir" -j2

export LINKVAULT_LIBRARY="$build_dir/capi/liblinkvault_c.so"
export PYTHONPATH="$repo_root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"

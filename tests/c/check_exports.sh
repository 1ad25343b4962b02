#!/bin/sh
# Fails unless every symbol liblinkvault_c.so exports starts with "lv_", and
# every function linkvault.h declares with LV_API is exported.
#
# usage: check_exports.sh path/to/liblinkvault_c.so path/to/linkvault.h
#
# `nm -D --defined-only` lists the dynamic symbol table's defined entries. The
# one entry that is not ours by name is the version definition the linker
# itself creates for the node in capi/linkvault_c.map: an absolute ("A")
# symbol named after the node, LINKVAULT_C_0. It is a version tag, not code or
# data, and it is allowed only as exactly that: type A, that name. Nothing
# else is ignored. Our symbols carry the version as name@@LINKVAULT_C_0;
# the suffix is stripped before the name is checked.
set -eu

library=$1
header=$2
version_node=LINKVAULT_C_0

symbols=$(nm -D --defined-only "$library") || {
  echo "check_exports: nm failed on $library" >&2
  exit 1
}

bad=$(printf '%s\n' "$symbols" | awk -v node="$version_node" '
  NF == 0 { next }
  {
    type = $(NF - 1); name = $NF
    sub(/@.*/, "", name)
    if (type == "A" && name == node) next
    if (name !~ /^lv_/) print
  }')
if [ -n "$bad" ]; then
  echo "check_exports: symbols exported without the lv_ prefix:" >&2
  printf '%s\n' "$bad" >&2
  exit 1
fi

exported=$(printf '%s\n' "$symbols" | awk '{ name = $NF; sub(/@.*/, "", name); print name }' | sort -u)
declared=$(grep -o 'LV_API[^(]*(' "$header" | grep -o 'lv_[a-z0-9_]*' | sort -u)
missing=$(printf '%s\n' "$declared" | while read -r name; do
  printf '%s\n' "$exported" | grep -qx "$name" || printf '%s\n' "$name"
done)
if [ -n "$missing" ]; then
  echo "check_exports: declared in linkvault.h but not exported:" >&2
  printf '%s\n' "$missing" >&2
  exit 1
fi

count=$(printf '%s\n' "$declared" | wc -l)
echo "check_exports: $count lv_ functions exported, nothing else"

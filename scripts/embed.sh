#!/bin/sh
# Turns a text file into a C translation unit defining
#   const char NAME[];  const unsigned long NAME_len;
# so the Python runner ships inside the daemon binary and cannot drift
# from it or be swapped on disk.
set -eu
src=$1
name=$2
printf '/* generated from %s by scripts/embed.sh; do not edit */\n' "$src"
printf 'extern const char %s[];\nextern const unsigned long %s_len;\n' "$name" "$name"
printf 'const char %s[] = {\n' "$name"
od -An -v -tx1 "$src" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/\t/'
printf '\t0x00\n};\n'
printf 'const unsigned long %s_len = sizeof(%s) - 1;\n' "$name" "$name"

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tools/version.sh - print the version compiled into the programs.
#
# In a git checkout of this project: `git describe` of the newest v* tag
# (v1.2.3 -> 1.2.3, with -N-gHASH past it and -dirty for local changes);
# without such a tag, the VERSION file plus +gHASH. Anywhere else (a release
# tarball, the Debian build tree): the VERSION file alone.
cd "$(dirname "$0")/.." || exit 1
v=$(cat VERSION) || exit 1
top=$(git rev-parse --show-toplevel 2>/dev/null)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  if d=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
    echo "${d#v}"; exit 0
  fi
  if h=$(git describe --always --dirty 2>/dev/null); then
    echo "$v+g$h"; exit 0
  fi
fi
echo "$v"

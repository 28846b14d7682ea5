#!/usr/bin/env bash
# Mutation testing (cosmic-ray) of the model equations, interventions, protocols, experiment
# parsing and SBML export, in a throw-away git worktree of HEAD (the checkout is never touched).
#
#   bash mutation/run.sh [SESSION.sqlite] [SAMPLE]
#
# SAMPLE (optional): test only a seeded random sample of that many mutants, stratified by
# module (mutation/sample.py); the rest are recorded as skipped.
# Needs the `mutation` extra (pip install -e ".[test,sbml,mutation]"). Writes the session
# database (default mutation/session.sqlite, not tracked) and prints cr-report's summary.
# Hours on 2 cores: every mutant of equations.py recompiles the numba kernels.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
session=$(realpath -m "${1:-$root/mutation/session.sqlite}")
work=$(mktemp -d)/follisim-mutation
git -C "$root" worktree add --detach "$work" HEAD >/dev/null
trap 'git -C "$root" worktree remove --force "$work"' EXIT
cd "$work"
export PYTHONPATH="$work/src" NUMBA_CACHE_DIR="$work/.numba-cache" HYPOTHESIS_PROFILE=ci
if [ ! -f "$session" ]; then
  git rev-parse HEAD > "${session%.*}.commit"     # what was mutated (mutation/recheck.py)
  cosmic-ray init mutation/cosmic-ray.toml "$session"
  cr-filter-operators "$session" mutation/cosmic-ray.toml
  if [ -n "${2:-}" ]; then python "$root/mutation/sample.py" "$session" "$2"; fi
fi
cosmic-ray baseline mutation/cosmic-ray.toml
cosmic-ray exec mutation/cosmic-ray.toml "$session"
cr-report "$session" --show-pending | tail -n 5
# After adding tests for survivors: python mutation/recheck.py "$session"

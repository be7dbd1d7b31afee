#!/usr/bin/env bash
# The install step of the GitHub Action (action.yml): contract-gate in a virtualenv of its own,
# so that neither the runner's Python nor the project's packages are touched.
#
#   CG_PYTHON   the interpreter for the virtualenv (default: python3); the action passes the one
#               actions/setup-python installed
#   CG_INSTALL  what pip installs; default: CG_SOURCE. A pip requirement, e.g.
#               "contract-gate @ git+https://git.example.com/tools/contract-gate@<commit>"
#   CG_SOURCE   a checkout of contract-gate (the action passes its own: the commit in `uses:`)
#   CG_VENV     where the virtualenv goes (default: $RUNNER_TEMP/contract-gate)
# Writes the output `bin` (the installed command) to GITHUB_OUTPUT when that is set.
set -euo pipefail

requirement=${CG_INSTALL:-${CG_SOURCE:?CG_SOURCE or CG_INSTALL must say what to install}}
venv=${CG_VENV:-${RUNNER_TEMP:-/tmp}/contract-gate}
"${CG_PYTHON:-python3}" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"
"$venv/bin/contract-gate" --version
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
	echo "bin=$venv/bin/contract-gate" >>"$GITHUB_OUTPUT"
fi

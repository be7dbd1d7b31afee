#!/usr/bin/env bash
# The script of the GitLab CI template (ci/contract-gate.gitlab-ci.yml), kept here so that it can
# be run and tested outside GitLab. It runs `contract-gate check` with the findings in the job log,
# a Code Quality report and a JUnit report for the merge request, and exits with the gate's exit
# code (0 passed, 1 failed, 2 could not run).
#
# Settings (CI/CD variables; empty means the default):
#   CONTRACT_GATE_PATHS      folders or files to check, separated by whitespace (default: specs/)
#   CONTRACT_GATE_BASE       diff mode against this revision (origin/BRANCH is fetched first);
#                            default: origin/<target branch> in a merge request pipeline,
#                            else none; "none": off
#   CONTRACT_GATE_BASELINE   --baseline FILE
#   CONTRACT_GATE_FAIL_ON    --fail-on error|warning|info
#   CONTRACT_GATE_POLICY     the organisation's floor: contract-gate reads this variable itself
#   CONTRACT_GATE_REPORTS    more reports, FORMAT:FILE separated by whitespace
#   CONTRACT_GATE_ARGS       more arguments to `check`, separated by whitespace
#   CONTRACT_GATE_CODEQUALITY  the Code Quality report (default: gl-code-quality-report.json)
#   CONTRACT_GATE_JUNIT        the JUnit report (default: contract-gate.junit.xml)
# From GitLab: CI_MERGE_REQUEST_TARGET_BRANCH_NAME (merge request pipelines only).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CG_PATHS=${CONTRACT_GATE_PATHS:-}
CG_BASELINE=${CONTRACT_GATE_BASELINE:-}
CG_FAIL_ON=${CONTRACT_GATE_FAIL_ON:-}
CG_REPORTS=${CONTRACT_GATE_REPORTS:-}
CG_ARGS=${CONTRACT_GATE_ARGS:-}
base=${CONTRACT_GATE_BASE:-}
if [[ -z $base && -n ${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-} ]]; then
	base=origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME
fi
codequality=${CONTRACT_GATE_CODEQUALITY:-gl-code-quality-report.json}
junit=${CONTRACT_GATE_JUNIT:-contract-gate.junit.xml}
# A runner that keeps its builds folder must never upload the reports of an earlier run.
rm -f -- "$codequality" "$junit"

cg_check "$base" --report "gitlab:$codequality" --report "junit:$junit"
exit "$CG_EXIT"

#!/usr/bin/env bash
# The gate step of the GitHub Action (action.yml), kept here so that it can be run and tested
# outside GitHub. It runs `contract-gate check` with annotations (--format github), a SARIF report
# and a Markdown report, appends the Markdown to the job's step summary, writes the step's
# outputs, and exits with the gate's exit code (0 passed, 1 failed, 2 could not run).
#
# Settings (environment; empty means the default), besides those of ci/lib.sh:
#   CG_BASE      diff mode against this revision (origin/BRANCH is fetched first); default:
#                origin/<base branch> when the event is a pull request (pull_request,
#                pull_request_target), else none; "none": off
#   CG_SARIF     the SARIF report (default: contract-gate.sarif)
#   CG_MARKDOWN  the Markdown report (default: contract-gate.md)
# From GitHub: GITHUB_EVENT_NAME, GITHUB_BASE_REF, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
# Outputs: exit-code, passed (true|false), sarif and markdown (the paths, empty when not written).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

base=${CG_BASE:-}
if [[ -z $base && ${GITHUB_EVENT_NAME:-} == pull_request* && -n ${GITHUB_BASE_REF:-} ]]; then
	base=origin/$GITHUB_BASE_REF
fi
sarif=${CG_SARIF:-contract-gate.sarif}
markdown=${CG_MARKDOWN:-contract-gate.md}
# A self-hosted runner keeps its workspace: never report the files of an earlier run.
rm -f -- "$sarif" "$markdown"

cg_check "$base" --format github --report "sarif:$sarif" --report "markdown:$markdown"

if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
	if [[ -f $markdown ]]; then
		cat -- "$markdown" >>"$GITHUB_STEP_SUMMARY"
	else
		printf '## contract-gate: could not run\n\nExit code %s: the step log says why.\n' \
			"$CG_EXIT" >>"$GITHUB_STEP_SUMMARY"
	fi
fi
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
	passed=false
	if [[ $CG_EXIT == 0 ]]; then
		passed=true
	fi
	[[ -f $sarif ]] || sarif=
	[[ -f $markdown ]] || markdown=
	printf 'exit-code=%s\npassed=%s\nsarif=%s\nmarkdown=%s\n' "$CG_EXIT" "$passed" "$sarif" "$markdown" \
		>>"$GITHUB_OUTPUT"
fi
exit "$CG_EXIT"

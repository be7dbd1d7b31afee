# shellcheck shell=bash
# Shared by ci/action-run.sh (GitHub) and ci/gitlab-run.sh (GitLab), which source it: the
# `contract-gate check` command line built from CG_* settings, and the base branch fetched for
# diff mode.
#
#   CG_PATHS     folders or files to check, separated by whitespace (default: specs/)
#   CG_BASELINE  --baseline FILE          CG_FAIL_ON  --fail-on error|warning|info
#   CG_POLICY    --policy FILE (when empty, contract-gate still reads CONTRACT_GATE_POLICY)
#   CG_REPORTS   more reports, FORMAT:FILE separated by whitespace, e.g. "json:report.json"
#   CG_ARGS      more arguments to `check`, separated by whitespace, e.g. "--jobs 2"
#   CONTRACT_GATE  the command to run (default: contract-gate, found on PATH)
# Empty means the default. Words are split on whitespace and never glob-expanded.

# cg_words TEXT: TEXT's whitespace-separated words, into the array CG_WORDS.
cg_words() {
	local IFS=$' \t\n'
	set -f
	# shellcheck disable=SC2206  # splitting is the point; globbing is off
	CG_WORDS=($1)
	set +f
}

# cg_fetch_base REV: diff mode reads the base through git. For origin/BRANCH, fetch the branch's
# tip: CI clones are shallow and lack it, and a runner that reuses its clone has it stale. A
# shallow clone fetches that one commit, a full one the history too (it stays full).
cg_fetch_base() {
	local -a depth=()
	case $1 in
	origin/?*)
		if [[ $(git rev-parse --is-shallow-repository 2>/dev/null) == true ]]; then
			depth=(--depth=1)
		fi
		echo "contract-gate: fetching $1 for diff mode" >&2
		if ! git fetch --quiet --no-tags "${depth[@]}" origin "+refs/heads/${1#origin/}:refs/remotes/$1"; then
			echo "contract-gate: could not fetch $1; diff mode uses it as the clone has it" >&2
		fi
		;;
	esac
	return 0
}

# cg_check BASE ARG...: run `contract-gate check` with the CG_* settings, diff mode against BASE
# (none when empty or "none") and ARGs; its exit code into CG_EXIT (this function never fails).
cg_check() {
	local base=$1 report
	shift
	local -a cmd=("${CONTRACT_GATE:-contract-gate}")
	if [[ -n ${CG_POLICY:-} ]]; then
		cmd+=(--policy "$CG_POLICY")
	fi
	cg_words "${CG_PATHS:-specs/}"
	cmd+=(check "${CG_WORDS[@]}")
	if [[ -n $base && $base != none ]]; then
		cg_fetch_base "$base"
		cmd+=(--base "$base")
	fi
	if [[ -n ${CG_BASELINE:-} ]]; then
		cmd+=(--baseline "$CG_BASELINE")
	fi
	if [[ -n ${CG_FAIL_ON:-} ]]; then
		cmd+=(--fail-on "$CG_FAIL_ON")
	fi
	cg_words "${CG_REPORTS:-}"
	for report in "${CG_WORDS[@]}"; do
		cmd+=(--report "$report")
	done
	cmd+=("$@")
	cg_words "${CG_ARGS:-}"
	cmd+=("${CG_WORDS[@]}")
	echo "contract-gate: running ${cmd[*]}" >&2
	CG_EXIT=0
	"${cmd[@]}" || CG_EXIT=$?
}

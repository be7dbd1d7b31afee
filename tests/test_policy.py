"""The gate's own policy: a pull request cannot loosen it, and an organisation's floor binds it.

Diff-mode tests build a real git repository in a temporary folder (no network): the base
commit holds specs, a config and maybe a baseline; the "pull request" is the next commit;
`check --base HEAD~1` judges it. Floor tests give `--policy` a file outside the repository,
as a CI template would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO, check_json, git, init_git_repo, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_gate.catalog import RULES_BY_ID
from contract_gate.config.regex_scope import accepts_more
from contract_gate.config.settings import Config
from contract_gate.config.strictness import loosenings, strictest
from contract_gate.config.toml_lines import key_line
from contract_gate.rules import Severity

# Three documented operations at the base: completeness 3/3 = 100%.
ORDER = """\
openapi: 3.0.3
info: {title: Order Service, version: "1", x-service: order-service, x-bu-owner: ECOM-BU}
paths:
  /v1/orders:
    get:
      operationId: listOrders
      x-slo-p99: 300ms
      responses: {"200": {description: ok}}
    post:
      operationId: createOrder
      x-slo-p99: 800ms
      responses: {"201": {description: created}}
  /v1/orders/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getOrder
      x-slo-p99: 200ms
      responses: {"200": {description: ok}}
"""

# The pull request's new operation: no owner, so owner-missing; completeness 3/4 = 75%.
EXPORT = """\
openapi: 3.0.3
info: {title: Export Service, version: "1", x-service: export-service}
paths:
  /v1/exports:
    post:
      operationId: createExport
      x-slo-p99: 900ms
      responses: {"202": {description: accepted}}
"""

# A legacy spec with an operation lacking its SLO: slo-missing at the base already.
LEGACY = """\
openapi: 3.0.3
info: {title: Legacy, version: "1", x-service: legacy-service, x-bu-owner: ECOM-BU}
paths:
  /v1/old:
    get:
      operationId: old
      responses: {"200": {description: ok}}
"""

BASE_CONFIG = 'min-completeness = 70\nmin-alignment = 0\n\n[rules]\nowner-changed = "warning"\n'


@pytest.fixture
def repo(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with specs/order.yaml, specs/legacy/old.yaml and BASE_CONFIG, committed once."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("CONTRACT_GATE_POLICY", raising=False)
    init_git_repo(in_tmp)
    (in_tmp / "specs" / "legacy").mkdir(parents=True)
    (in_tmp / "specs" / "order.yaml").write_text(ORDER)
    (in_tmp / "specs" / "legacy" / "old.yaml").write_text(LEGACY)
    (in_tmp / "contract-gate.toml").write_text(BASE_CONFIG)
    commit("base")
    return in_tmp


def commit(message: str) -> None:
    git("add", "-A")
    git("commit", "-q", "-m", message)


def located(report: dict[str, Any], *rules: str) -> list[tuple[str, str | None, int | None]]:
    """(rule, file, line) of the findings of these rules, in report order."""
    return [(f["rule"], f["file"], f["line"]) for f in report["findings"] if f["rule"] in rules]


def judged(report: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {j["key"]: (j["value"], j["source"], j["where"]) for j in report["judged_by"]}


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` holding `text`."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_a_pull_request_that_loosens_the_policy_fails_once_per_loosening(repo: Path) -> None:
    (repo / "specs" / "export.yaml").write_text(EXPORT)
    created = invoke("baseline", "create", "specs", "-o", ".contract-gate-baseline.json")
    assert created.exit_code == 0, created.output  # owner-missing (new) and slo-missing (the base's)
    (repo / "contract-gate.toml").write_text(
        'min-completeness = 0\nmin-alignment = 0\nexclude = ["specs/legacy/**"]\n\n'
        '[rules]\nowner-changed = "warning"\nowner-missing = "off"\n'
    )
    commit("pull request")

    code, report = check_json("--base", "HEAD~1", "--baseline", ".contract-gate-baseline.json", "specs")

    assert code == 1
    config, baseline = repo / "contract-gate.toml", repo / ".contract-gate-baseline.json"
    assert located(report, "policy-loosened", "baseline-grown") == [
        ("baseline-grown", ".contract-gate-baseline.json", line_of(baseline, '"rule": "owner-missing"') - 2),
        ("policy-loosened", "contract-gate.toml", line_of(config, "min-completeness")),
        ("policy-loosened", "contract-gate.toml", line_of(config, "exclude")),
        ("policy-loosened", "contract-gate.toml", line_of(config, "owner-missing")),
    ]
    # The base's values judge: owner-missing is an error again, the legacy spec is still
    # checked, and completeness 3/5 = 60% (legacy has no SLO, export no owner) is held to
    # min-completeness 70, not 0.
    messages = {f["rule"]: f["message"] for f in report["findings"]}
    loosened = [f["message"] for f in report["findings"] if f["rule"] == "policy-loosened"]
    assert "since HEAD~1: min-completeness 70 -> 0;" in loosened[0]
    assert messages["threshold-completeness"].startswith("documentation completeness 60.0% (3/5")
    assert "below min-completeness 70%" in messages["threshold-completeness"]
    assert ("owner-missing", "specs/export.yaml") in {(f["rule"], f["file"]) for f in report["findings"]}
    assert (
        report["diff"]["pre_existing"] == []
    )  # the legacy slo-missing: the base had it, the baseline hides it
    assert report["baseline"]["hidden"] == 1
    assert judged(report)["min-completeness"] == ("70", "base", "HEAD~1:contract-gate.toml")
    assert judged(report)["rules.owner-missing"] == ("error (default)", "base", "HEAD~1:contract-gate.toml")
    assert judged(report)["exclude"] == ("(none)", "base", "HEAD~1:contract-gate.toml")
    assert judged(report)["min-alignment"] == ("0", "config", "contract-gate.toml")


def test_a_pull_request_that_only_tightens_passes_without_a_finding(repo: Path) -> None:
    (repo / "contract-gate.toml").write_text(
        'min-completeness = 90\nmin-alignment = 10\nfail-on = "warning"\nbu-pattern = "^[A-Z]+-BU$"\n'
        'bu-registry = ["ECOM-BU"]\nmax-slo-p99 = "10s"\nrequire-bidirectional = true\n\n'
        '[rules]\nowner-changed = "error"\nslo-loosened = "error"\n'
    )
    commit("tighten")

    code, report = check_json("--base", "HEAD~1", "specs")

    assert code == 0, report["findings"]
    assert report["findings"] == []
    assert {source for _, source, _ in judged(report).values()} <= {"config", "default"}
    assert judged(report)["min-completeness"] == ("90", "config", "contract-gate.toml")


PYPROJECT_BASE = """\
[project]
name = "specs"

[tool.contract-gate]
min-completeness = 0
min-alignment = 0
fail-on = "warning"
bu-pattern = "^[A-Z]+-BU$"
bu-registry = ["ECOM-BU", "PAY-BU"]
max-slo-p99 = "2s"
require-bidirectional = true
alignment-scope = "cross-bu"
"""

PYPROJECT_HEAD = """\
[project]
name = "specs"

[tool.contract-gate]
min-completeness = 0
min-alignment = 0
fail-on = "error"
bu-pattern = "^[A-Z]+(-[A-Z]+)*$"
bu-registry = [
    "ECOM-BU",
    "PAY-BU",
    "NEW-BU",
]
max-slo-p99 = "5s"
require-bidirectional = false
alignment-scope = "all"

[tool.contract-gate.rules]
slo-misaligned = "info"
"""


def test_every_kind_of_loosening_in_a_pyproject_is_found_at_its_line(repo: Path) -> None:
    (repo / "contract-gate.toml").unlink()
    (repo / "pyproject.toml").write_text(PYPROJECT_BASE)
    commit("config in pyproject")
    (repo / "pyproject.toml").write_text(PYPROJECT_HEAD)
    commit("loosen everything")

    code, report = check_json("--base", "HEAD~1", "specs")

    assert code == 1
    pyproject = repo / "pyproject.toml"
    lines = [line for _, _, line in located(report, "policy-loosened")]
    assert lines == sorted(
        line_of(pyproject, key)
        for key in (
            "fail-on",
            "bu-pattern",
            "bu-registry",
            "max-slo-p99",
            "require-bidirectional",
            "alignment-scope",
            "slo-misaligned",
        )
    )
    messages = " | ".join(f["message"] for f in report["findings"] if f["rule"] == "policy-loosened")
    assert "bu-registry ECOM-BU, PAY-BU -> ECOM-BU, PAY-BU, NEW-BU" in messages
    assert "alignment-scope cross-bu -> all" in messages
    assert judged(report)["bu-pattern"] == ("^[A-Z]+-BU$", "base", "HEAD~1:pyproject.toml")
    assert judged(report)["max-slo-p99"] == ("2s", "base", "HEAD~1:pyproject.toml")


def test_a_deleted_config_is_a_loosening_of_what_it_held(repo: Path) -> None:
    (repo / "contract-gate.toml").write_text("min-completeness = 99\nmin-alignment = 0\n")
    commit("strict")
    (repo / "contract-gate.toml").unlink()
    commit("no config any more")

    code, report = check_json("--base", "HEAD~1", "specs")

    assert code == 1
    loosened = [f for f in report["findings"] if f["rule"] == "policy-loosened"]
    assert [f["message"].split(": ", 1)[1].split(";")[0] for f in loosened] == ["min-completeness 99 -> 95"]
    assert loosened[0]["file"] is None  # no config file holds it any more
    assert judged(report)["min-completeness"] == ("99", "base", "HEAD~1:contract-gate.toml")


def test_a_baseline_entry_for_a_finding_the_base_had_is_accepted(repo: Path) -> None:
    # Adopting existing debt: the legacy slo-missing occurred at the base.
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    commit("baseline the legacy debt")

    code, report = check_json("--base", "HEAD~1", "--baseline", "baseline.json", "specs")

    assert code == 0
    assert report["findings"] == []
    assert report["baseline"]["hidden"] == 1


def test_a_baseline_committed_at_the_base_keeps_hiding(repo: Path) -> None:
    (repo / "specs" / "export.yaml").write_text(EXPORT)
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    commit("export with its owner-missing baselined")
    (repo / "specs" / "order.yaml").write_text(ORDER.replace("300ms", "250ms"))
    commit("a faster list")

    code, report = check_json("--base", "HEAD~1", "--baseline", "baseline.json", "specs")

    assert code == 0
    assert report["findings"] == []
    assert report["baseline"]["hidden"] == 2  # owner-missing and the legacy slo-missing


ORG_POLICY = 'min-completeness = 90\nexclude = []\n\n[rules]\nowner-missing = "error"\n'


@pytest.fixture
def org_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The organisation's policy, in a folder the repository does not control."""
    path = tmp_path_factory.mktemp("org") / "policy.toml"
    path.write_text(ORG_POLICY)
    return path


def test_a_config_below_the_floor_fails_and_the_floor_applies(repo: Path, org_policy: Path) -> None:
    (repo / "specs" / "export.yaml").write_text(EXPORT)
    config = repo / "contract-gate.toml"
    config.write_text(
        'min-completeness = 50\nmin-alignment = 0\nexclude = ["specs/legacy/**"]\n\n'
        '[rules]\nowner-missing = "warning"\n'
    )

    result = invoke("--policy", org_policy, "check", "specs", "--format", "json")
    report = json.loads(result.stdout)

    assert result.exit_code == 1
    assert located(report, "policy-violation") == [
        ("policy-violation", "contract-gate.toml", line_of(config, "min-completeness")),
        ("policy-violation", "contract-gate.toml", line_of(config, "exclude")),
        ("policy-violation", "contract-gate.toml", line_of(config, "owner-missing")),
    ]
    first = next(f for f in report["findings"] if f["rule"] == "policy-violation")
    assert first["message"] == (
        f"min-completeness 50 in contract-gate.toml is looser than the organisation's policy {org_policy}"
        " (min-completeness 90); the policy's value applies"
    )
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["owner-missing"]["severity"] == "error"
    assert "below min-completeness 90%" in by_rule["threshold-completeness"]["message"]  # 3/5 = 60%
    assert "specs/legacy/old.yaml" in {f["file"] for f in report["findings"]}  # the exclude is void
    assert judged(report)["min-completeness"] == ("90", "policy", str(org_policy))


def test_a_config_above_the_floor_is_used_as_is(
    repo: Path, org_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "contract-gate.toml").write_text("min-completeness = 97.5\nmin-alignment = 0\n")
    monkeypatch.setenv("CONTRACT_GATE_POLICY", str(org_policy))

    code, report = check_json("specs")

    assert code == 1  # the legacy slo-missing is an error, as everywhere
    assert located(report, "policy-violation") == []
    assert judged(report)["min-completeness"] == ("97.5", "config", "contract-gate.toml")
    assert judged(report)["rules.owner-missing"] == ("error", "policy", str(org_policy))


def test_a_flag_below_the_floor_is_a_violation_on_the_command_line(repo: Path, org_policy: Path) -> None:
    result = invoke("--policy", org_policy, "check", "specs", "--min-completeness", "10", "--format", "json")
    report = json.loads(result.stdout)

    violation = next(f for f in report["findings"] if f["rule"] == "policy-violation")
    assert violation["file"] is None
    assert violation["message"].startswith("min-completeness 10 in the command line is looser")
    assert judged(report)["min-completeness"] == ("90", "policy", str(org_policy))


def test_the_floor_cannot_be_silenced_by_turning_its_rule_off(repo: Path, org_policy: Path) -> None:
    (repo / "contract-gate.toml").write_text(
        'min-completeness = 50\nmin-alignment = 0\n[rules]\npolicy-violation = "off"\n'
    )
    result = invoke("--policy", org_policy, "check", "specs", "--format", "json")
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert rules.count("policy-violation") == 2  # min-completeness, and rules.policy-violation itself


@pytest.mark.parametrize(
    ("policy_text", "expected"),
    [
        ("jobs = 4\n", "a policy sets only the keys that judge"),
        ("min-completeness = 120\n", "'min-completeness'"),
        ("[rules]\nno-such-rule = 'error'\n", "unknown rule id no-such-rule"),
        ("min-completeness = \n", "not valid TOML"),
    ],
)
def test_an_unusable_policy_file_exits_2_naming_it(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, policy_text: str, expected: str
) -> None:
    path = tmp_path_factory.mktemp("org") / "policy.toml"
    path.write_text(policy_text)
    result = invoke("--policy", path, "check", "specs")
    assert result.exit_code == 2
    assert str(path) in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_policy_show_names_the_source_of_every_value(repo: Path, org_policy: Path) -> None:
    (repo / "contract-gate.toml").write_text("min-completeness = 50\nmin-alignment = 12.5\n")
    result = invoke("--policy", org_policy, "policy", "show", "--format", "json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    values = {j["key"]: (j["value"], j["source"]) for j in shown["judged_by"]}
    assert values["min-completeness"] == ("90", "policy")
    assert values["min-alignment"] == ("12.5", "config")
    assert values["fail-on"] == ("error", "default")
    assert values["exclude"] == ("(none)", "policy")
    assert [f["rule"] for f in shown["findings"]] == ["policy-violation"]

    text = invoke("--policy", org_policy, "policy", "show").stdout
    assert any(line.split()[:3] == ["min-completeness", "90", "policy"] for line in text.splitlines())


def test_policy_show_with_base_shows_what_the_change_loosened(repo: Path) -> None:
    (repo / "contract-gate.toml").write_text(
        'min-completeness = 10\nmin-alignment = 0\n[rules]\nowner-changed = "warning"\n'
    )
    commit("lower")
    shown = json.loads(invoke("policy", "show", "--base", "HEAD~1", "--format", "json").stdout)
    values = {j["key"]: (j["value"], j["source"], j["where"]) for j in shown["judged_by"]}
    assert values["min-completeness"] == ("70", "base", "HEAD~1:contract-gate.toml")
    assert [(f["rule"], f["line"]) for f in shown["findings"]] == [("policy-loosened", 1)]


def test_the_reports_say_what_judged_them(repo: Path, org_policy: Path) -> None:
    (repo / "contract-gate.toml").write_text("min-completeness = 50\nmin-alignment = 0\n")
    result = invoke("--policy", org_policy, "check", "specs", "--format", "json")
    report = json.loads(result.stdout)
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)

    sarif = json.loads(invoke("--policy", org_policy, "check", "specs", "--format", "sarif").stdout)
    properties = sarif["runs"][0]["properties"]
    assert {
        "key": "min-completeness",
        "value": "90",
        "source": "policy",
        "where": str(org_policy),
    } in properties["judgedBy"]

    markdown = invoke("--policy", org_policy, "check", "specs", "--format", "markdown").stdout
    judged_line = next(line for line in markdown.splitlines() if line.startswith("Judged by:"))
    assert "min-completeness 90% (policy: " in judged_line and "min-alignment 0% (config: " in judged_line

    text = invoke("--policy", org_policy, "check", "specs").stdout
    assert any(line.startswith("Judged by: min-completeness 90% (policy: ") for line in text.splitlines())


# --- the pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wider", "narrower", "expected"),
    [
        (r"^[A-Z0-9]+-BU$", r"^[A-Z]+-BU$", True),
        (r"^[A-Z]{2,8}-BU$", r"^[A-Z]+-BU$", False),
        (r"^(ECOM|PAY)-BU$", r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", False),
        (r".*", r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", True),
        (r"[A-Z]+|pay", r"[A-Z]+", True),
        (r"(?=[A-Z])[A-Z]+", r"[A-Z]+", False),  # the same names
        (r"([A-Z])\1*", r"[A-Z]+", True),  # a back-reference: not provably narrower
        (r"[A-Z]+(?<!X)", r"[A-Z]+", True),  # a look-behind: likewise
        (r"[A-Z]+", r"[A-Z]+", False),
    ],
)
def test_a_pattern_accepts_more_when_some_name_matches_it_alone(
    wider: str, narrower: str, expected: bool
) -> None:
    assert accepts_more(wider, narrower) is expected


def test_key_lines_in_tables_dotted_keys_inline_tables_and_arrays() -> None:
    text = (
        "# policy\n"
        "min-completeness = 80\n"
        'rules.owner-missing = "off"\n'
        'exclude = [\n  "a/**",\n  "b/**",\n]\n'
        "[prometheus]\n"
        "histogram = 'x'\n"
        "[rules]\n"
        '"slo-missing" = "info"\n'
        'inline = { owner-changed = "off" }\n'
    )
    assert key_line(text, ("min-completeness",)) == 2
    assert key_line(text, ("rules", "owner-missing")) == 3
    assert key_line(text, ("exclude", "b/**")) == 6
    assert key_line(text, ("rules", "slo-missing")) == 11
    assert key_line(text, ("rules", "inline", "owner-changed")) == 12
    assert key_line(text, ("rules", "unknown")) == 10  # the table, when the key is not written
    pyproject = '[tool.contract-gate]\nmin-alignment = 0\n[tool.contract-gate.rules]\ncall-cycle = "off"\n'
    assert key_line(pyproject, ("rules", "call-cycle"), ("tool", "contract-gate")) == 4


_THRESHOLDS = st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1))
_LEVELS = st.sampled_from(["error", "warning", "info", "off"])
_RULE_IDS = st.sampled_from(["owner-missing", "slo-missing", "operation-removed", "slo-misaligned"])
_CONFIGS = st.builds(
    Config,
    min_completeness=_THRESHOLDS,
    min_alignment=_THRESHOLDS,
    fail_on=st.sampled_from(list(Severity)),
    rules=st.dictionaries(_RULE_IDS, _LEVELS, max_size=3),
    exclude=st.lists(st.sampled_from(["a/**", "b/**", "c/*.yaml"]), max_size=3, unique=True),
    bu_pattern=st.sampled_from([r"^[A-Z]+-BU$", r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", r"^(ECOM|PAY)-BU$"]),
    bu_registry=st.none() | st.lists(st.sampled_from(["ECOM-BU", "PAY-BU", "CAT-BU"]), unique=True),
    max_slo_p99=st.sampled_from(["800ms", "2s", "60s"]),
    require_bidirectional=st.booleans(),
    alignment_scope=st.sampled_from(["cross-bu", "all"]),
)


@settings(max_examples=200, deadline=None)
@given(before=_CONFIGS, after=_CONFIGS)
def test_the_strictest_of_two_configs_loosens_neither_the_base_nor_what_the_head_tightened(
    before: Config, after: Config
) -> None:
    judged = strictest(before, after, RULES_BY_ID)
    assert loosenings(before, judged, RULES_BY_ID) == []
    # What the head did not loosen is the head's.
    relaxed = {item.path[0] for item in loosenings(before, after, RULES_BY_ID)}
    if "min-completeness" not in relaxed:
        assert judged.min_completeness == after.min_completeness
    if not relaxed:
        assert judged == after


def test_the_set_up_in_docs_ci_holds_a_valid_policy_and_valid_yaml(tmp_path: Path) -> None:
    import yaml

    from contract_gate.config.floor import load_floor

    text = (REPO / "docs" / "ci.md").read_text()
    policy = text.split("```toml\n# policy.toml", 1)[1].split("```", 1)[0]
    path = tmp_path / "policy.toml"
    path.write_text("#" + policy)  # the rest of the comment line the split cut
    floor = load_floor(path, RULES_BY_ID)
    assert floor.config.min_completeness == 90 and floor.config.exclude == []
    assert {"bu-registry", "rules.owner-missing", "rules.slo-missing"} <= floor.keys
    for title in ("## GitHub Actions", "## GitLab CI"):
        section = text.split(title, 1)[1].split("\n## ", 1)[0]
        blocks = [block.split("```", 1)[0] for block in section.split("```yaml\n")[1:]]
        assert blocks, title
        for block in blocks:
            assert isinstance(yaml.safe_load(block), dict)
        # The floor comes from the central repository, never from the one being judged.
        assert any("contract-policy/policy.toml" in block for block in blocks), title
    assert "CODEOWNERS" in text and "/contract-gate.toml" in text

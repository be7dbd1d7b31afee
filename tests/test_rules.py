"""Rules as units: every rule registered, named by its constant, placed where it cites, severity by config."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import get_args

import pytest
from conftest import REPO, invoke

import contract_gate
from contract_gate.catalog import RULES, RULES_BY_ID
from contract_gate.config.settings import Config
from contract_gate.estate.rules import ESTATE_RULES
from contract_gate.history.rules import OPERATION_REMOVED
from contract_gate.outputs.audit import Problem as AuditProblem
from contract_gate.rules import Cite, Rule, Scope, Severity

PACKAGE = REPO / "contract_gate"
CASES = REPO / "tests" / "cases"
# What each cited place looks like as a JSON pointer.
CITED_POINTER = {
    Cite.CALL_ENTRY: re.compile(r"/x-(calls|consumers)/[0-9]+$"),
    Cite.CALL_BUDGET: re.compile(r"/x-(calls|consumers)/[0-9]+/x-slo-p99$"),
    Cite.CALLS: re.compile(r"/x-calls$"),
}


def _modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(contract_gate.__path__, "contract_gate.")
        if info.name != "contract_gate.__main__"
    ]


def test_every_rule_declared_in_the_package_is_registered_once() -> None:
    declared: dict[str, Rule] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, Rule) and not attribute.startswith("_"):
                declared.setdefault(value.id, value)
                assert declared[value.id] is value, f"{name}.{attribute}: rule id {value.id} declared twice"
    assert len(RULES) == len(RULES_BY_ID), "a rule id is listed twice in contract_gate/catalog.py"
    unregistered = sorted(set(declared) - set(RULES_BY_ID))
    assert not unregistered, f"declared but not in contract_gate/catalog.py: {unregistered}"
    assert all(RULES_BY_ID[rule_id] is rule for rule_id, rule in declared.items())


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_code_names_rules_by_constant_never_by_string() -> None:
    # A rule id written as a string would escape the registry (a typo is a rule nobody
    # documents or configures). Allowed: the id in the rule's own declaration, and the
    # audit's published vocabulary (a Literal, held to the registry below).
    offences = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Rule" and node.args:
                allowed.add(id(node.args[0]))
            if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
                allowed.update(id(n) for n in ast.walk(node.slice))
        offences.extend(
            f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in RULES_BY_ID and id(node) not in allowed
        )
    assert not offences, "rule ids written as strings:\n" + "\n".join(offences)


def test_rules_are_declared_as_module_constants() -> None:
    # `NAME = Rule(...)` at module level only: a rule built inline is one the registry cannot see.
    offences = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(stmt.value) for stmt in tree.body if isinstance(stmt, ast.Assign | ast.AnnAssign)}
        inline = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Rule" and id(node) not in top
        ]
        offences.extend(f"{path.relative_to(REPO)}:{node.lineno}" for node in inline)
    assert not offences, offences


def test_only_rule_declarations_and_config_choose_a_severity() -> None:
    # Config alone decides severity: checking code yields problems, never a Severity member.
    deciding = {"config", "outputs", "cli"}
    offences = []
    for path in _sources():
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in deciding or path.name in {"rules.py", "findings.py", "catalog.py"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rule_args = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Rule"
            for n in ast.walk(node)
        }
        for node in ast.walk(tree):
            is_member = isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "Severity"
            if is_member and id(node) not in rule_args:
                offences.append(f"{relative}:{node.lineno}")
    assert not offences, offences


def test_every_rule_is_documented_with_its_scope() -> None:
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule.id), rule.id
        assert isinstance(rule.scope, Scope) and isinstance(rule.severity, Severity), rule.id
        assert len(rule.doc.strip()) > 40, rule.id
        # Estate rules about calls cite the places they point at; other rules have nothing to cite.
        assert bool(rule.cites) == (rule in ESTATE_RULES), rule.id


def test_config_decides_every_case_of_a_rule() -> None:
    assert {case for case, _ in OPERATION_REMOVED.cases} == {"still-called", "unused", "internal-unused"}
    default = Config()
    for case, severity in OPERATION_REMOVED.cases:
        assert default.severity_of(OPERATION_REMOVED, case) is severity
    configured = Config(rules={OPERATION_REMOVED.id: "info"})
    assert {configured.severity_of(OPERATION_REMOVED, case) for case, _ in OPERATION_REMOVED.cases} == {
        Severity.INFO
    }
    assert Config(rules={OPERATION_REMOVED.id: "off"}).severity_of(OPERATION_REMOVED, "still-called") is None
    with pytest.raises(KeyError):
        default.severity_of(OPERATION_REMOVED, "a case nobody declared")


def test_the_audit_vocabulary_is_registered_rule_ids() -> None:
    assert set(get_args(AuditProblem)) <= set(RULES_BY_ID)


def _estates() -> list[Path]:
    cited = {rule.id for rule in RULES if rule.cites}
    cases = [
        case
        for rule in sorted(cited)
        for case in sorted((CASES / rule).iterdir())
        if case.is_dir() or case.suffix in {".yaml", ".yml", ".json"}
    ]
    return [REPO / "samples" / "legacy", *cases]


@pytest.mark.parametrize("estate", _estates(), ids=lambda p: str(p.relative_to(REPO)))
def test_estate_findings_point_at_the_places_their_rule_cites(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(estate.parent)
    args = ["check", estate.name, "--min-completeness", "0", "--format", "json", "--no-cache"]
    toml = estate / "contract-gate.toml" if estate.is_dir() else estate.with_suffix(".toml")
    if toml.exists():
        args = ["--config", str(toml.relative_to(estate.parent)), *args]
    report = json.loads(invoke(*args).stdout)
    seen = 0
    for finding in report["findings"]:
        rule = RULES_BY_ID[finding["rule"]]
        if not rule.cites:
            continue
        seen += 1
        place = (finding["line"], finding["column"])
        assert finding["line"] is not None and place != (1, 1), finding
        assert any(CITED_POINTER[cite].search(finding["pointer"]) for cite in rule.cites), finding
    if estate.name.startswith("fail") or estate.name == "legacy":
        assert seen, f"no finding of a citing rule in {estate}"

"""`--format junit`: JUnit XML for the test report views of GitLab and Jenkins.

One <testsuite> per spec file; one <testcase> per (operation, or pointer when none, rule),
failing for errors, warnings and anything that fails the gate; one passing <testcase> per
documented external operation without findings, so that the counts mean something. Findings
without a file (the thresholds) are in the suite "estate"; internal errors are <error>s of the
suite "internal". Testcases carry `file` (GitLab links it) and `line`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from contract_gate.engine.run import Report
from contract_gate.findings import Finding
from contract_gate.rules import Severity

ESTATE, INTERNAL = "estate", "internal"
# Characters XML 1.0 cannot carry at all, even escaped: written as \xNN instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(report: Report) -> str:
    """The test report as indented XML."""
    suites: dict[str, list[ET.Element]] = {s.file: [] for s in report.services}
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for finding in report.findings:
        suite = finding.file or ESTATE
        classname = finding.service or (ESTATE if finding.file is None else suite)
        subject = finding.operation or finding.pointer
        groups.setdefault((suite, classname, subject, finding.rule), []).append(finding)
    for (suite, classname, subject, rule), findings in groups.items():
        suites.setdefault(suite, []).append(_case(report, classname, subject, rule, findings))
    flagged = {(f.service, f.operation) for f in report.findings}
    for service in report.services:
        for op in service.external:
            if op.documented and (service.id, op.key) not in flagged:
                suites.setdefault(op.file, []).append(
                    _element("testcase", classname=service.id, name=op.key, file=op.file)
                )
    for number, error in enumerate(report.internal_errors, 1):
        case = _element("testcase", classname="contract-gate", name=f"internal error {number}")
        case.append(_element("error", error, message=error.splitlines()[0] if error else "", type=INTERNAL))
        suites.setdefault(INTERNAL, []).append(case)
    root = _element("testsuites", name="contract-gate")
    order = sorted(suites, key=lambda name: (name in (ESTATE, INTERNAL), name == INTERNAL, name))
    for name in order:
        element = _element("testsuite", name=name)
        element.extend(suites[name])
        _count(element, suites[name])
        root.append(element)
    _count(root, [case for cases in suites.values() for case in cases])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(report: Report, classname: str, subject: str, rule: str, findings: list[Finding]) -> ET.Element:
    first = findings[0]
    name = f"{subject} {rule}" if subject else rule
    case = _element("testcase", classname=classname, name=name, file=first.file, line=first.line)
    details = "\n".join(_line(f) for f in findings)
    if any(f.severity is not Severity.INFO or report.fails(f) for f in findings):
        case.append(_element("failure", details, message=first.message, type=rule))
    else:
        case.append(_element("system-out", details))
    return case


def _line(finding: Finding) -> str:
    where = finding.file or ESTATE
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    return f"{where}: {finding.severity.value} [{finding.rule}] {finding.message}"


def _count(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(case.find("failure") is not None for case in cases)))
    element.set("errors", str(sum(case.find("error") is not None for case in cases)))
    element.set("skipped", "0")


def _element(tag: str, text: str | None = None, **attributes: str | int | None) -> ET.Element:
    element = ET.Element(tag, {k: _xml(str(v)) for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = _xml(text)
    return element


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

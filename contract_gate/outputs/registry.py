"""Every output, by command and format: the function that renders it, imported on first use.

A run writes one or two formats of the two dozen, so each format's module (and what it
imports: rich, jinja2, prometheus-client, xml…) is imported only when asked for.
One signature per command, the family of its formats:

- check: `render(report) -> Rendered`
- score: `render(report, by) -> Rendered`, by `overall`, `bu` or `service`
- graph: `render(report, bu) -> str`, only the pairs of BU `bu` unless it is None
- audit: `render(audit, terminal_width) -> str`, the terminal's width when written to one
- badge: `render(badge) -> str`
- observe: `render(observation) -> str`, the specs' promises against what Prometheus measured

`Rendered` is text, or where a format can be large its UTF-8 bytes in pieces, each made when
the one before is written (`atomic.write_atomic`): the JSON report of a large estate is a
hundred MB or more; made whole, and as a `str`, it would be copied twice more (decoded from
orjson's bytes, encoded again to be written), and written only once all of it is made.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from contract_gate.engine.run import Report
    from contract_gate.observe.judge import Observation
    from contract_gate.outputs.audit import AuditModel
    from contract_gate.outputs.badges import Badge

Command = Literal["check", "score", "graph", "audit", "badge", "observe"]
Rendered = str | Iterator[bytes]


def as_text(rendered: Rendered) -> str:
    """A rendered output as text (its pieces made now)."""
    return rendered if isinstance(rendered, str) else b"".join(rendered).decode("utf-8")


@dataclass(frozen=True, slots=True)
class Output:
    """Where a format's render function is: a module under contract_gate.outputs, a function name."""

    module: str
    function: str = "render"

    def load(self) -> Callable[..., Any]:
        """The render function (importing its module now); its command's accessor below types it."""
        module = importlib.import_module(f"contract_gate.outputs.{self.module}")
        return cast(Callable[..., Any], getattr(module, self.function))


OUTPUTS: dict[Command, dict[str, Output]] = {
    "check": {
        "text": Output("formatters.text"),
        "json": Output("formatters.json_report"),
        "sarif": Output("formatters.sarif"),
        "junit": Output("formatters.junit"),
        "github": Output("formatters.github"),
        "gitlab": Output("formatters.gitlab"),
        "markdown": Output("formatters.markdown"),
    },
    "score": {
        "table": Output("formatters.score_table"),
        "json": Output("formatters.json_report", "render_scored"),
        "prometheus": Output("prometheus"),
    },
    "graph": {
        "dot": Output("formatters.graph_dot"),
        "mermaid": Output("formatters.graph_mermaid"),
    },
    "audit": {
        "csv": Output("formatters.audit_csv"),
        "html": Output("formatters.audit_html"),
        "json": Output("audit", "render_json"),
        "markdown": Output("formatters.audit_markdown"),
        "table": Output("formatters.audit_table"),
    },
    "badge": {
        "svg": Output("badges", "render_svg"),
        "shields": Output("badges", "render_shields"),
    },
    "observe": {
        "text": Output("formatters.observe_text"),
        "json": Output("formatters.observe_json"),
        "sarif": Output("formatters.observe_ci", "render_sarif"),
        "junit": Output("formatters.observe_ci", "render_junit"),
        "github": Output("formatters.observe_ci", "render_github"),
        "gitlab": Output("formatters.observe_ci", "render_gitlab"),
        "markdown": Output("formatters.observe_markdown"),
        "prometheus": Output("observe_prometheus"),
    },
}


def formats(command: Command) -> list[str]:
    """The format names of a command, as its --format option lists them."""
    return sorted(OUTPUTS[command])


def check_output(name: str) -> Callable[[Report], Rendered]:
    """The render function of `check --format NAME`."""
    return OUTPUTS["check"][name].load()


def score_output(name: str) -> Callable[[Report, str], Rendered]:
    """The render function of `score --format NAME`."""
    return OUTPUTS["score"][name].load()


def graph_output(name: str) -> Callable[[Report, str | None], str]:
    """The render function of `graph --format NAME`."""
    return OUTPUTS["graph"][name].load()


def audit_output(name: str) -> Callable[[AuditModel, int | None], str]:
    """The render function of `audit --format NAME`."""
    return OUTPUTS["audit"][name].load()


def badge_output(name: str) -> Callable[[Badge], str]:
    """The render function of `badge --format NAME`."""
    return OUTPUTS["badge"][name].load()


def observe_output(name: str) -> Callable[[Observation], str]:
    """The render function of `observe --format NAME`."""
    return OUTPUTS["observe"][name].load()

"""The jinja2 templates of the HTML outputs (the audit page, the portal), from `outputs/templates/`.

Every value is autoescaped, so text from a spec is never markup, and a name a template does not
get is an error, not an empty string.
"""

from __future__ import annotations

import functools

import jinja2


def template(name: str) -> jinja2.Template:
    """The template `name` of `outputs/templates/`."""
    return _environment().get_template(name)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("contract_gate.outputs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

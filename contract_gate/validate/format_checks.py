"""The `format`s the OpenAPI schemas name, checked as their RFCs say, simply.

- `email`: an address by RFC 6531 (RFC 5321's syntax, with UTF-8 in the local part and an
  internationalized domain): `local@domain`, the local part a dot-atom (ASCII `atext` or any
  non-ASCII character) or a quoted string of at most 64 octets, the domain dot-separated labels
  of letters, digits and inner hyphens (any script), or an address literal `[192.0.2.1]`.
- `uri`: an absolute URI (RFC 3986 §4.3): a scheme, `:`, then no space, control character or
  character RFC 3986 never allows; `%` followed by two hex digits.
- `uri-reference`: the same without the scheme (an empty string refers to the document itself).
- `regex`: an ECMA-262 regular expression (`ecma_regex.py`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from contract_gate.validate.ecma_regex import ecma_violation

_ATEXT = frozenset("!#$%&'*+-/=?^_`{|}~")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NEVER_IN_URI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')
_QUOTED = re.compile(r'"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"')


def is_email(value: str) -> bool:
    """An RFC 6531 address (see the module's doc)."""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(local.encode()) > 64:
        return False
    if local.startswith('"'):
        if not _QUOTED.fullmatch(local):
            return False
    elif not all(atom and all(_atext(c) for c in atom) for atom in local.split(".")):
        return False
    return _domain(domain)


def _atext(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in _ATEXT
    return char.isprintable() and not char.isspace()


def _domain(domain: str) -> bool:
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1].removeprefix("IPv6:")
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            return False
        return True
    labels = domain.split(".")
    return len(domain) <= 253 and all(_label(label) for label in labels)


def _label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(c.isalnum() or c == "-" for c in label)
    )


def is_uri(value: str) -> bool:
    """An absolute URI: a scheme and what may follow it."""
    return _SCHEME.match(value) is not None and is_uri_reference(value)


def is_uri_reference(value: str) -> bool:
    """A URI or a relative reference: no character RFC 3986 never allows, `%` as an escape."""
    return _NEVER_IN_URI.search(value) is None and value.count("#") <= 1


def is_ecma_regex(value: str) -> bool:
    """A pattern ECMA-262 allows."""
    return ecma_violation(value) is None


CHECKS: dict[str, Callable[[str], bool]] = {
    "email": is_email,
    "uri": is_uri,
    "uri-reference": is_uri_reference,
    "regex": is_ecma_regex,
}

WHAT: dict[str, str] = {
    "email": "an email address (RFC 6531: `name@example.com`, UTF-8 allowed)",
    "uri": "an absolute URI (RFC 3986: a scheme such as `https:` first)",
    "uri-reference": 'a URI reference (RFC 3986: no spaces or characters such as `<`, `>`, `"`)',
    "regex": "an ECMA-262 regular expression",
}

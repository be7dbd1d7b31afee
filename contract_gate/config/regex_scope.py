r"""Whether one regular expression (matched whole, as bu-pattern is) accepts a string another refuses.

interegular turns each pattern into a finite automaton, so "accepts more" is decided
exactly for the patterns people write for BU names (classes, groups, alternations,
repetitions, look-aheads). What it cannot read (look-behinds, back-references) counts as accepting
more: a change the gate cannot prove narrower is reported. One blind spot: interegular reads
`\w`, `\d` and `\s` as their ASCII classes, where Python also matches other scripts, so
`[A-Za-z0-9_]+` -> `\w+` is not seen as wider (owner-invalid still names look-alike letters).
"""

from __future__ import annotations

import re

# A leading ^ or \A and a trailing $ or \Z say nothing to a whole-string match.
_LEADING_ANCHOR = re.compile(r"^(?:\^|\\A)")
_TRAILING_ANCHOR = re.compile(r"(?<!\\)(?:\$|\\Z)$")


def accepts_more(pattern: str, than: str) -> bool:
    """Whether `pattern` fully matches some string that `than` does not."""
    if pattern == than:
        return False
    try:
        import interegular

        wider = interegular.parse_pattern(_unanchored(pattern)).to_fsm()
        narrower = interegular.parse_pattern(_unanchored(than)).to_fsm()
        only_wider = wider.difference(narrower)  # type: ignore[no-untyped-call]
        return not only_wider.empty()
    except Exception:  # any construct interegular cannot read: not provably narrower
        return True


def _unanchored(pattern: str) -> str:
    return _TRAILING_ANCHOR.sub("", _LEADING_ANCHOR.sub("", pattern))

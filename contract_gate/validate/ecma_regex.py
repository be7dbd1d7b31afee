r"""Is a `pattern` an ECMA-262 regular expression? The dialect OpenAPI and JSON Schema name.

Judged by the syntax of ECMA-262 2018 (9th edition) and later, with the Unicode escapes
(`\p{L}`, `\u{1F600}`) those patterns are written with. Python's `re` is another dialect: it
refuses ECMA's `(?<name>…)` and `\p{L}`, and accepts `(?P<name>…)`, `\A` or `(?i)`, which an
ECMA-262 engine refuses or reads otherwise. A backslash before punctuation is accepted (every
engine reads it as the character); before a letter it must be an escape ECMA-262 defines.
"""

from __future__ import annotations

import re

_LETTER_ESCAPES = set("dDwWsSfnrtvbB")
_NAMED_ESCAPES = {
    "A": "`\\A` (start of input in Python/PCRE; ECMA-262 writes `^`)",
    "Z": "`\\Z` (end of input in Python/PCRE; ECMA-262 writes `$`)",
    "z": "`\\z` (end of input in PCRE; ECMA-262 writes `$`)",
    "G": "`\\G` (PCRE's match-start anchor)",
    "Q": "`\\Q…\\E` quoting (PCRE)",
    "E": "`\\Q…\\E` quoting (PCRE)",
    "h": "`\\h` (PCRE's horizontal space; ECMA-262 writes `[ \\t]`)",
    "K": "`\\K` (PCRE's match reset)",
    "R": "`\\R` (PCRE's line break)",
    "X": "`\\X` (PCRE's grapheme cluster)",
}
_GROUP_NAME = re.compile(r"[A-Za-z_$][\w$]*>")
_UNICODE_PROPERTY = re.compile(r"\{[A-Za-z_]+(=[A-Za-z_]+)?\}")
_UNICODE_CODE_POINT = re.compile(r"[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]{1,6}\}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_BRACES = re.compile(r"\{\d+(,\d*)?\}")
_INLINE_FLAGS = re.compile(r"\(\?[a-zA-Z]*-?[a-zA-Z]*[:)]")


def ecma_violation(pattern: str) -> str | None:
    """The first construct of `pattern` ECMA-262 does not allow, described; None when it is ECMA-262."""
    return _Scanner(pattern).scan()


class _Scanner:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0

    def scan(self) -> str | None:
        text = self.text
        depth = 0
        repeatable = False
        while self.at < len(text):
            char = text[self.at]
            if char == "\\":
                problem = self._escape(in_class=False)
                repeatable = True
            elif char == "[":
                problem = self._char_class()
                repeatable = True
            elif char == "(":
                problem = self._group_opening()
                depth += 1
                repeatable = False
            elif char == ")":
                if depth == 0:
                    return "an unmatched `)`"
                depth -= 1
                self.at += 1
                problem, repeatable = None, True
            elif char in "*+?" or _BRACES.match(text, self.at):
                if not repeatable:
                    return f"a quantifier `{char}` with nothing to repeat (at {self.at + 1})"
                problem = self._quantifier()
                repeatable = False
            else:
                self.at += 1
                problem, repeatable = None, char not in "^$|"
            if problem:
                return problem
        return "an unclosed group `(`" if depth else None

    def _quantifier(self) -> str | None:
        text = self.text
        start = self.at
        braces = _BRACES.match(text, self.at)
        self.at = braces.end() if braces else self.at + 1
        if self.at < len(text) and text[self.at] == "?":
            self.at += 1
        elif self.at < len(text) and text[self.at] == "+":
            return f"a possessive quantifier `{text[start : self.at + 1]}` (PCRE/Java; not in ECMA-262)"
        return None

    def _group_opening(self) -> str | None:
        text = self.text
        rest = text[self.at + 1 :]
        if not rest.startswith("?"):
            self.at += 1
            return None
        for opening in ("?:", "?=", "?!", "?<=", "?<!"):
            if rest.startswith(opening):
                self.at += 1 + len(opening)
                return None
        if rest.startswith("?<"):
            name = _GROUP_NAME.match(text, self.at + 3)
            if name is None:
                return "a named group `(?<` without a valid name and `>`"
            self.at = name.end()
            return None
        if rest.startswith(("?P<", "?P=", "?P>")):
            return f"a Python named group `(?P{rest[2]}`; ECMA-262 writes `(?<name>…)` and `\\k<name>`"
        if rest.startswith("?>"):
            return "an atomic group `(?>…)` (PCRE; not in ECMA-262)"
        if rest.startswith("?("):
            return "a conditional group `(?(…)…)` (PCRE/Python; not in ECMA-262)"
        if rest.startswith("?#"):
            return "a comment group `(?#…)` (PCRE/Python; not in ECMA-262)"
        flags = _INLINE_FLAGS.match(text, self.at)
        if flags:
            return f"inline flags `{flags.group()}` (Python/PCRE; ECMA-262 2018 has none)"
        return f"`(?{rest[1:2]}` is no group ECMA-262 knows"

    def _char_class(self) -> str | None:
        text = self.text
        self.at += 1
        if text.startswith("^", self.at):
            self.at += 1
        while self.at < len(text):
            char = text[self.at]
            if char == "]":  # in ECMA-262 even right after `[` or `[^`: `[]` matches nothing, `[^]` anything
                self.at += 1
                return None
            if char == "\\":
                problem = self._escape(in_class=True)
                if problem:
                    return problem
            elif char == "[" and text.startswith((":", "=", "."), self.at + 1):
                end = text.find(text[self.at + 1] + "]", self.at + 2)
                if end != -1:
                    return f"a POSIX class `{text[self.at : end + 2]}` (not in ECMA-262; write e.g. `[a-z]`)"
                self.at += 1
            else:
                self.at += 1
        return "an unterminated character class `[`"

    def _escape(self, in_class: bool) -> str | None:
        text = self.text
        if self.at + 1 >= len(text):
            return "a lone `\\` at the end"
        char = text[self.at + 1]
        after = self.at + 2
        self.at = after
        if not char.isascii() or not char.isalnum() or char in _LETTER_ESCAPES or char.isdigit():
            if in_class and char == "B":
                return "`\\B` inside a character class"
            return None
        if char == "c" and after < len(text) and text[after].isascii() and text[after].isalpha():
            self.at += 1
            return None
        checks = {"x": _HEX2, "u": _UNICODE_CODE_POINT, "p": _UNICODE_PROPERTY, "P": _UNICODE_PROPERTY}
        if char == "k" and not in_class:
            checks["k"] = re.compile(r"<[A-Za-z_$][\w$]*>")
        found = checks[char].match(text, after) if char in checks else None
        if found:
            self.at = found.end()
            return None
        if char in checks:
            return f"`\\{char}` not followed by what ECMA-262 requires after it"
        return _NAMED_ESCAPES.get(char, f"`\\{char}`, an escape ECMA-262 does not define")

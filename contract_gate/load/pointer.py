"""JSON pointers (RFC 6901): building and splitting them."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    """Escape one reference token."""
    text = token if type(token) is str else str(token)
    return text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text


def join(*tokens: str | int) -> str:
    """A pointer from raw tokens: join("paths", "/v1/x", "get") == "/paths/~1v1~1x/get"."""
    return "".join(["/" + escape(t) for t in tokens])


def child(pointer: str, *tokens: str | int) -> str:
    """Extend a pointer with raw tokens."""
    if len(tokens) == 1:  # nearly always: one key or index
        return pointer + "/" + escape(tokens[0])
    return pointer + join(*tokens)


def unescape(token: str) -> str:
    """The raw token an escaped reference token stands for."""
    return token.replace("~1", "/").replace("~0", "~") if "~" in token else token


def split(pointer: str) -> list[str]:
    """Raw tokens of a pointer ("" is the whole document)."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def resolve(document: object, tokens: Iterable[str]) -> tuple[bool, object]:
    """Follow tokens through dicts and lists; (found, value)."""
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def canonical(document: object, tokens: list[str], max_hops: int = 32) -> list[str]:
    """Tokens of where a path really leads, following internal `$ref`s it passes through.

    The validator reports paths as it walked them (through references); users
    need the place the offending value is written.
    """
    node, out, index, hops = document, [], 0, 0
    while index < len(tokens):
        token = tokens[index]
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and _internal_ref(node) and hops < max_hops:
            hops += 1
            target = split(str(node["$ref"])[1:])
            found, node = resolve(document, target)
            if not found:
                break
            out = target
            continue
        else:
            break
        out.append(token)
        index += 1
    return out + tokens[index:]


def _internal_ref(node: dict[str, object]) -> bool:
    ref = node.get("$ref")
    return isinstance(ref, str) and ref.startswith("#/")

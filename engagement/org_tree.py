"""Pure functions over the department tree (no database, no Streamlit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    kind: str
    parent_id: int | None


def children_map(nodes: Iterable[Node]) -> dict[int | None, list[Node]]:
    """Children of each node (None for the roots), sorted by name."""
    kids: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        kids[node.parent_id].append(node)
    for siblings in kids.values():
        siblings.sort(key=lambda n: n.name.casefold())
    return kids


def tree_order(nodes: Iterable[Node], roots: Iterable[int] | None = None) -> list[tuple[Node, int]]:
    """Depth-first order with depths, from the given roots (default: the top of the tree)."""
    nodes = list(nodes)
    by_id = {n.id: n for n in nodes}
    kids = children_map(nodes)
    start = [by_id[r] for r in roots if r in by_id] if roots is not None else kids[None]
    out: list[tuple[Node, int]] = []
    stack = [(n, 0) for n in reversed(start)]
    while stack:
        node, depth = stack.pop()
        out.append((node, depth))
        stack.extend((k, depth + 1) for k in reversed(kids.get(node.id, [])))
    return out


def subtree_ids(nodes: Iterable[Node], root_id: int) -> set[int]:
    """The ids of a node and all its descendants."""
    kids = children_map(nodes)
    out: set[int] = set()
    stack = [root_id]
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.add(current)
        stack.extend(k.id for k in kids.get(current, []))
    return out


def subtree_totals(nodes: Iterable[Node], direct: Mapping[int, int]) -> dict[int, int]:
    """Each node's count including its whole subtree, from the counts of its direct members."""
    nodes = list(nodes)
    totals = {n.id: direct.get(n.id, 0) for n in nodes}
    # children come after parents in tree order: add them up from the bottom
    for node, _depth in reversed(tree_order(nodes)):
        if node.parent_id is not None and node.parent_id in totals:
            totals[node.parent_id] += totals[node.id]
    return totals


def path_of(nodes_by_id: Mapping[int, Node], node_id: int) -> list[str]:
    """Names from the top of the tree down to the node."""
    names: list[str] = []
    current: int | None = node_id
    seen: set[int] = set()
    while current is not None and current in nodes_by_id and current not in seen:
        seen.add(current)
        names.append(nodes_by_id[current].name)
        current = nodes_by_id[current].parent_id
    return list(reversed(names))


def top_most(nodes: Iterable[Node], ids: Iterable[int]) -> list[int]:
    """Of several subtrees, only those not already inside another one (no double counting)."""
    nodes = list(nodes)
    by_id = {n.id: n for n in nodes}
    wanted = set(ids)
    out = []
    for node_id in wanted:
        parent = by_id[node_id].parent_id if node_id in by_id else None
        covered = False
        while parent is not None:
            if parent in wanted:
                covered = True
                break
            parent = by_id[parent].parent_id if parent in by_id else None
        if not covered:
            out.append(node_id)
    return sorted(out, key=lambda i: by_id[i].name.casefold() if i in by_id else "")

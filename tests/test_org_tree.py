"""Pure tree functions."""

from engagement.org_tree import Node, path_of, subtree_ids, subtree_totals, top_most, tree_order

NODES = [
    Node(1, "Company", "company", None),
    Node(2, "Sales", "division", 1),
    Node(3, "Operations", "division", 1),
    Node(4, "Inside Sales", "department", 2),
    Node(5, "Field Sales", "department", 2),
    Node(6, "East", "team", 5),
]


def test_tree_order_is_depth_first_alphabetical_with_depths() -> None:
    assert [(n.name, d) for n, d in tree_order(NODES)] == [
        ("Company", 0),
        ("Operations", 1),
        ("Sales", 1),
        ("Field Sales", 2),
        ("East", 3),
        ("Inside Sales", 2),
    ]


def test_tree_order_from_given_roots() -> None:
    assert [n.id for n, _ in tree_order(NODES, roots=[5])] == [5, 6]


def test_subtree_ids_and_totals() -> None:
    assert subtree_ids(NODES, 2) == {2, 4, 5, 6}
    totals = subtree_totals(NODES, {1: 2, 2: 1, 4: 10, 5: 1, 6: 7, 3: 4})
    assert totals == {1: 25, 2: 19, 3: 4, 4: 10, 5: 8, 6: 7}


def test_path_and_top_most() -> None:
    by_id = {n.id: n for n in NODES}
    assert path_of(by_id, 6) == ["Company", "Sales", "Field Sales", "East"]
    assert top_most(NODES, [6, 2, 3]) == [3, 2]

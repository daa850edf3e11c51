"""Loading schema and data into an org: real describe JSON, SFDX source, tree plans and
generated records. ``load`` is what ``sfsim load`` calls."""

from __future__ import annotations

from pathlib import Path

from sfsim import ids


def custom_prefix_allocator(org):
    """Key prefixes for new objects: a00.. for __c, x.. for __b, m.. for __mdt (skipping
    prefixes the org already uses)."""
    used = {od.key_prefix for od in org.objects().values() if od.key_prefix}

    def allocate(name: str) -> str:
        first = "x" if name.endswith("__b") else ("m" if name.endswith("__mdt") else "a")
        n = 0
        while True:
            prefix = first + ids.base62(n, 2)
            if prefix not in used:
                used.add(prefix)
                return prefix
            n += 1

    return allocate


def load(
    sim, org, *, describe_files=(), sfdx_dir=None, tree_plan=None, generate: int = 0, seed: int = 1
) -> dict[str, int]:
    """Apply schema and data sources to ``org`` in this order: describe files (objects added
    or replaced), SFDX objects (new custom objects and fields on existing ones), a tree plan
    (records inserted in plan order, @ref resolved), ``generate`` records (deterministic by
    ``seed``). Returns counts: {"objects": n, "<Object>": records, ...}. Schema and tree
    plan are all or nothing: on any error none of them is kept (TreeLoadError names the
    file and record); generated records come after, in their own transactions."""
    from sfsim.loaders.describe import load_describe_files
    from sfsim.loaders.generate import generate as generate_records
    from sfsim.loaders.sfdx import load_sfdx
    from sfsim.loaders.tree import load_tree

    counts: dict[str, int] = {}
    with org.transaction():  # all or nothing: a failing record leaves the org as it was
        if describe_files:
            describes = load_describe_files([Path(p) for p in describe_files])
            allocate = custom_prefix_allocator(org)
            for describe in describes.values():
                if not describe.get("keyPrefix"):
                    describe["keyPrefix"] = allocate(describe["name"])
            org.install_schema(describes, real=tuple(describes))
            counts["objects"] = counts.get("objects", 0) + len(describes)
        if sfdx_dir:
            existing = {n: od.describe for n, od in org.objects().items()}
            describes, rules = load_sfdx(sfdx_dir, existing, custom_prefix_allocator(org))
            org.install_schema(describes, rules)
            counts["objects"] = counts.get("objects", 0) + len(describes)
        if tree_plan:
            for name, n in load_tree(org, tree_plan).items():
                counts[name] = counts.get(name, 0) + n
    if generate:  # its own fast transactions (PRAGMA synchronous=OFF)
        for name, n in generate_records(org, int(generate), int(seed)).items():
            counts[name] = counts.get(name, 0) + n
    return counts

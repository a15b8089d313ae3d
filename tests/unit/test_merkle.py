"""RFC 9162 Merkle tree: public test vectors from transparency-dev/merkle, then properties.

Vector sources (repository, path, commit) are listed in tests/vectors/README.md and
tests/vectors/transparency_dev_merkle/SOURCES.txt.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.trail.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "transparency_dev_merkle"
TABLES: dict[str, Any] = json.loads((VECTORS / "verify_test_tables.json").read_text("utf-8"))

LEAVES = [bytes.fromhex(x) for x in TABLES["leaves"]]
ROOTS = [bytes.fromhex(x) for x in TABLES["roots"]]
SOME_HASH = bytes.fromhex(TABLES["sha256_some_hash"])
EMPTY_TREE_HASH = bytes.fromhex(TABLES["sha256_empty_tree_hash"])
U64 = 2**64  # the Go probes are uint64 and wrap around: 0 - 1 == 2**64 - 1


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def standard_tree() -> MerkleTree:
    tree = MerkleTree()
    for entry in LEAVES:
        tree.append(entry)
    return tree


def raises_proof_error(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except ProofError:
        return True
    return False


# -- RFC 6962 hasher (rfc6962/rfc6962_test.go) -------------------------------------------


def test_hasher_known_answers() -> None:
    vectors = {k: bytes.fromhex(v) for k, v in TABLES["hasher_vectors"].items()}
    assert vectors["empty_root"] == EMPTY_ROOT == MerkleTree().root()
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert leaf_hash(b"") == vectors["empty_leaf"]
    assert leaf_hash(b"L123456") == vectors["leaf_L123456"]
    assert node_hash(b"N123", b"N456") == vectors["node_N123_N456"]


def test_hasher_domain_separation() -> None:
    # TestRFC6962HasherCollisions: leaves differ, a node is not the leaf of its preimage,
    # and a node depends on the order of its children.
    h1, h2 = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert h1 != h2
    assert node_hash(h1, h2) != leaf_hash(h1 + h2)
    assert node_hash(h1, h2) != node_hash(h2, h1)


# -- roots of the standard 8 leaves (proof/verify_test.go: leaves, roots) ----------------


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_standard_leaves(size: int) -> None:
    tree = standard_tree()
    assert tree.root(size) == ROOTS[size - 1]
    assert root_from_leaf_hashes([leaf_hash(x) for x in LEAVES[:size]]) == ROOTS[size - 1]
    prefix = MerkleTree()
    for entry in LEAVES[:size]:
        prefix.append(entry)
    assert prefix.size == size
    assert prefix.root() == ROOTS[size - 1]


def test_append_returns_indices_and_leaf_hashes() -> None:
    tree = MerkleTree()
    assert [tree.append(x) for x in LEAVES] == list(range(8))
    assert len(tree) == tree.size == 8
    assert [tree.leaf_hash_at(i) for i in range(8)] == [leaf_hash(x) for x in LEAVES]
    by_hash = MerkleTree()
    assert by_hash.append_leaf_hash(leaf_hash(LEAVES[0])) == 0
    assert by_hash.root() == ROOTS[0]


# -- the Go corruption probes, mirrored ----------------------------------------------------


@dataclass(frozen=True)
class InclusionProbe:
    desc: str
    index: int
    size: int
    root: bytes
    leaf: bytes
    proof: tuple[bytes, ...]

    def fails(self) -> bool:
        return raises_proof_error(
            verify_inclusion, self.leaf, self.index, self.size, list(self.proof), self.root
        )


@dataclass(frozen=True)
class ConsistencyProbe:
    desc: str
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: tuple[bytes, ...]

    def fails(self) -> bool:
        return raises_proof_error(
            verify_consistency, self.size1, self.size2, self.root1, self.root2, list(self.proof)
        )


def flip(h: bytes, mask: int) -> bytes:
    return bytes([h[0] ^ mask]) + h[1:]


def corrupt_inclusion(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[InclusionProbe]:
    """Python mirror of corruptInclusionProof in proof/verify_test.go."""
    p = tuple(proof)
    probes = [
        InclusionProbe("leafIndex - 1", (index - 1) % U64, size, root, leaf, p),
        InclusionProbe("leafIndex + 1", index + 1, size, root, leaf, p),
        InclusionProbe("leafIndex ^ 2", index ^ 2, size, root, leaf, p),
        InclusionProbe("treeSize * 2", index, size * 2, root, leaf, p),
        InclusionProbe("treeSize / 2", index, size // 2, root, leaf, p),
        InclusionProbe("wrong leaf", index, size, root, b"WrongLeaf", p),
        InclusionProbe("empty root", index, size, EMPTY_TREE_HASH, leaf, p),
        InclusionProbe("random root", index, size, SOME_HASH, leaf, p),
        InclusionProbe("trailing garbage", index, size, root, leaf, (*p, b"")),
        InclusionProbe("trailing root", index, size, root, leaf, (*p, root)),
        InclusionProbe("preceding garbage", index, size, root, leaf, (b"", *p)),
        InclusionProbe("preceding root", index, size, root, leaf, (root, *p)),
    ]
    for i in range(len(p)):
        wrong = (*p[:i], flip(p[i], 8), *p[i + 1 :])
        probes.append(InclusionProbe(f"modified proof[{i}] bit 3", index, size, root, leaf, wrong))
    if p:
        probes.append(InclusionProbe("removed component", index, size, root, leaf, p[:-1]))
    if len(p) > 1:
        inserted = (p[0], SOME_HASH, *p[1:])
        probes.append(InclusionProbe("inserted component", index, size, root, leaf, inserted))
    return probes


def corrupt_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[ConsistencyProbe]:
    """Python mirror of corruptConsistencyProof in proof/verify_test.go."""
    p = tuple(proof)
    probes = [
        ConsistencyProbe("size1 - 1", (size1 - 1) % U64, size2, root1, root2, p),
        ConsistencyProbe("size1 + 1", size1 + 1, size2, root1, root2, p),
        ConsistencyProbe("size1 ^ 2", size1 ^ 2, size2, root1, root2, p),
        ConsistencyProbe("size2 * 2", size1, size2 * 2, root1, root2, p),
        ConsistencyProbe("size2 / 2", size1, size2 // 2, root1, root2, p),
        ConsistencyProbe("wrong root1", size1, size2, b"WrongRoot", root2, p),
        ConsistencyProbe("wrong root2", size1, size2, root1, b"WrongRoot", p),
        ConsistencyProbe("swapped roots", size1, size2, root2, root1, p),
        ConsistencyProbe("empty proof", size1, size2, root1, root2, ()),
        ConsistencyProbe("trailing garbage", size1, size2, root1, root2, (*p, b"")),
        ConsistencyProbe("trailing root1", size1, size2, root1, root2, (*p, root1)),
        ConsistencyProbe("trailing root2", size1, size2, root1, root2, (*p, root2)),
        ConsistencyProbe("preceding garbage", size1, size2, root1, root2, (b"", *p)),
        ConsistencyProbe("preceding root1", size1, size2, root1, root2, (root1, *p)),
        ConsistencyProbe("preceding root2", size1, size2, root1, root2, (root2, *p)),
        ConsistencyProbe("preceding proof[0]", size1, size2, root1, root2, (p[0], *p)),
    ]
    if p:
        probes.append(ConsistencyProbe("truncated proof", size1, size2, root1, root2, p[:-1]))
    for i in range(len(p)):
        wrong = (*p[:i], flip(p[i], 16), *p[i + 1 :])
        probes.append(
            ConsistencyProbe(f"modified proof[{i}] bit 4", size1, size2, root1, root2, wrong)
        )
    return probes


# -- inclusion proofs (proof/verify_test.go: inclusionProofs) -------------------------------

INCLUSION = [v for v in TABLES["inclusion_proofs"] if v["leaf"] > 0]  # {0, 0} is invalid


@pytest.mark.parametrize("vector", INCLUSION, ids=lambda v: f"leaf{v['leaf']}-of-{v['size']}")
def test_published_inclusion_proof(vector: dict[str, Any]) -> None:
    index, size, proof = vector["leaf"] - 1, vector["size"], hexes(vector["proof"])
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size - 1]

    assert standard_tree().inclusion_proof(index, size) == proof
    verify_inclusion(leaf, index, size, proof, root)

    accepted = [p.desc for p in corrupt_inclusion(index, size, proof, root, leaf) if not p.fails()]
    assert accepted == []


def test_invalid_inclusion_path_is_refused() -> None:
    # inclusionProofs[0] = {0, 0, nil}: leaf 0 (1-based), i.e. no leaf, in an empty tree.
    with pytest.raises(ValueError, match="out of range"):
        standard_tree().inclusion_proof(0, 0)
    with pytest.raises(ProofError):
        verify_inclusion(EMPTY_TREE_HASH, 0, 0, [], EMPTY_TREE_HASH)


@pytest.mark.parametrize(
    ("root", "leaf", "ok"),
    [
        ("hash", "hash", True),
        ("hash", "empty", False),
        ("empty", "hash", False),
        ("empty", "empty", False),  # wrong hash size: b"" must not pass as b""
    ],
)
def test_inclusion_single_entry(root: str, leaf: str, ok: bool) -> None:
    # TestVerifyInclusionSingleEntry: the leaf hash is the root of a one-leaf tree.
    values = {"hash": leaf_hash(b"data"), "empty": b""}
    if ok:
        verify_inclusion(values[leaf], 0, 1, [], values[root])
    else:
        with pytest.raises(ProofError):
            verify_inclusion(values[leaf], 0, 1, [], values[root])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_bad_root_or_leaf(index: int, size: int) -> None:
    # TestVerifyInclusion probes.
    for leaf, root in [(SOME_HASH, b""), (b"", EMPTY_TREE_HASH), (SOME_HASH, EMPTY_TREE_HASH)]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, [], root)


# -- consistency proofs (proof/verify_test.go: consistencyProofs) ---------------------------

CONSISTENCY = TABLES["consistency_proofs"]


@pytest.mark.parametrize("vector", CONSISTENCY, ids=lambda v: f"{v['size1']}-to-{v['size2']}")
def test_published_consistency_proof(vector: dict[str, Any]) -> None:
    size1, size2, proof = vector["size1"], vector["size2"], hexes(vector["proof"])
    root1, root2 = ROOTS[size1 - 1], ROOTS[size2 - 1]

    assert standard_tree().consistency_proof(size1, size2) == proof
    verify_consistency(size1, size2, root1, root2, proof)

    if proof:  # as in the Go test, only non-trivial proofs are corrupted
        probes = corrupt_consistency(size1, size2, root1, root2, proof)
        assert [p.desc for p in probes if not p.fails()] == []
        # Beyond the Go probes: well-formed (32-byte) but wrong roots.
        for bad1, bad2 in [(SOME_HASH, root2), (root1, SOME_HASH), (ROOTS[0], root2)]:
            if (bad1, bad2) != (root1, root2):
                with pytest.raises(ProofError):
                    verify_consistency(size1, size2, bad1, bad2, proof)


# The Go table uses 12-byte stand-ins ("don't care 1", "don't care 2") for roots it does not
# look at. verify_consistency refuses any root that is not 32 bytes, so 32-byte stand-ins
# are used instead; the outcome of every case is the one the Go table expects.
STAND_INS = {
    "root1": hashlib.sha256(b"don't care 1").digest(),
    "root2": hashlib.sha256(b"don't care 2").digest(),
    "empty": EMPTY_TREE_HASH,
}
PROOFS = {"proof1": [], "proof2": [EMPTY_TREE_HASH]}


@pytest.mark.parametrize(
    "case",
    TABLES["verify_consistency_table"],
    ids=lambda c: f"{c['size1']}-{c['size2']}-{c['root1']}-{c['root2']}-{c['proof']}",
)
def test_verify_consistency_table(case: dict[str, Any]) -> None:
    args = (
        case["size1"],
        case["size2"],
        STAND_INS[case["root1"]],
        STAND_INS[case["root2"]],
        PROOFS[case["proof"]],
    )
    if case["want_err"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_roots_that_are_not_32_bytes_are_refused() -> None:
    with pytest.raises(ProofError, match="32"):
        verify_consistency(0, 1, b"don't care 1", ROOTS[0], [])
    with pytest.raises(ProofError, match="32"):
        verify_consistency(1, 1, b"don't care 2", b"don't care 2", [])


# -- the JSON probe files of transparency-dev/merkle testdata/ ------------------------------


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def load_inclusion_file(path: Path) -> tuple[InclusionProbe, bool]:
    d = json.loads(path.read_text("utf-8"))
    probe = InclusionProbe(
        d["desc"],
        d["leafIdx"],
        d["treeSize"],
        b64(d["root"]),
        b64(d["leafHash"]),
        tuple(b64(x) for x in d["proof"] or []),
    )
    return probe, d["wantErr"]


def load_consistency_file(path: Path) -> tuple[ConsistencyProbe, bool]:
    d = json.loads(path.read_text("utf-8"))
    probe = ConsistencyProbe(
        d["desc"],
        d["size1"],
        d["size2"],
        b64(d["root1"]),
        b64(d["root2"]),
        tuple(b64(x) for x in d["proof"] or []),
    )
    return probe, d["wantErr"]


INCLUSION_FILES = sorted((VECTORS / "testdata" / "inclusion").glob("*/*.json"))
CONSISTENCY_FILES = sorted((VECTORS / "testdata" / "consistency").glob("*/*.json"))


def rel(path: Path) -> str:
    return path.relative_to(VECTORS / "testdata").as_posix()


def test_probe_files_are_present() -> None:
    assert len(INCLUSION_FILES) == 22
    assert len(CONSISTENCY_FILES) == 25


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=rel)
def test_inclusion_probe_file(path: Path) -> None:
    probe, want_err = load_inclusion_file(path)
    assert probe.fails() == want_err, probe.desc
    if not want_err:  # a happy path is also exactly the proof MerkleTree produces
        tree = standard_tree()
        assert list(probe.proof) == tree.inclusion_proof(probe.index, probe.size)
        assert probe.root == tree.root(probe.size)
        assert probe.leaf == tree.leaf_hash_at(probe.index)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=rel)
def test_consistency_probe_file(path: Path) -> None:
    probe, want_err = load_consistency_file(path)
    assert probe.fails() == want_err, probe.desc
    if not want_err:
        tree = standard_tree()
        assert list(probe.proof) == tree.consistency_proof(probe.size1, probe.size2)
        assert (probe.root1, probe.root2) == (tree.root(probe.size1), tree.root(probe.size2))


def _fields(p: InclusionProbe | ConsistencyProbe) -> tuple[object, ...]:
    if isinstance(p, InclusionProbe):
        return (p.index, p.size, p.root, p.leaf, p.proof)
    return (p.size1, p.size2, p.root1, p.root2, p.proof)


def test_mirrored_probes_match_the_published_probe_files() -> None:
    """The Python corruption mirror yields exactly the negative files upstream generated."""
    happy, _ = load_inclusion_file(VECTORS / "testdata/inclusion/1/happy-path.json")
    mirrored = corrupt_inclusion(happy.index, happy.size, list(happy.proof), happy.root, happy.leaf)
    published = [load_inclusion_file(f)[0] for f in INCLUSION_FILES if "/1/" in f.as_posix()]
    published = [p for p in published if p.desc != "happy path"]
    assert sorted(map(_fields, mirrored)) == sorted(map(_fields, published))

    happy_c, _ = load_consistency_file(VECTORS / "testdata/consistency/2/happy-path.json")
    mirrored_c = corrupt_consistency(
        happy_c.size1, happy_c.size2, happy_c.root1, happy_c.root2, list(happy_c.proof)
    )
    published_c = [load_consistency_file(f)[0] for f in CONSISTENCY_FILES if "/2/" in f.as_posix()]
    published_c = [p for p in published_c if p.desc != "happy path"]
    assert sorted(map(_fields, mirrored_c)) == sorted(map(_fields, published_c))


# -- argument checking ----------------------------------------------------------------------


def test_out_of_range_arguments_raise_value_error() -> None:
    tree = standard_tree()
    for call in (
        lambda: tree.root(9),
        lambda: tree.root(-1),
        lambda: tree.inclusion_proof(8, 8),
        lambda: tree.inclusion_proof(-1, 8),
        lambda: tree.inclusion_proof(0, 9),
        lambda: tree.inclusion_proof(3, 3),
        lambda: tree.consistency_proof(5, 4),
        lambda: tree.consistency_proof(-1, 4),
        lambda: tree.consistency_proof(1, 9),
        lambda: tree.leaf_hash_at(8),
        lambda: tree.append_leaf_hash(b"short"),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(TypeError):
        tree.root(True)
    assert issubclass(ProofError, ValueError)


def test_trivial_consistency_proofs_are_empty() -> None:
    tree = standard_tree()
    assert tree.consistency_proof(0, 8) == []
    assert tree.consistency_proof(8, 8) == []
    assert tree.consistency_proof(0, 0) == []
    verify_consistency(0, 8, EMPTY_ROOT, ROOTS[7], [])


def test_verifier_errors_say_why() -> None:
    proof = standard_tree().inclusion_proof(0, 8)
    leaf = leaf_hash(LEAVES[0])
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(leaf, 0, 8, proof[:-1], ROOTS[7])
    with pytest.raises(ProofError, match="too long"):
        verify_inclusion(leaf, 0, 8, [*proof, ROOTS[0]], ROOTS[7])
    with pytest.raises(ProofError, match="not below"):
        verify_inclusion(leaf, 8, 8, proof, ROOTS[7])
    with pytest.raises(ProofError, match="larger"):
        verify_consistency(8, 7, ROOTS[7], ROOTS[6], [])
    with pytest.raises(ProofError, match="element 1"):
        verify_consistency(6, 8, ROOTS[5], ROOTS[7], [ROOTS[0], b"x"])


# -- properties over every tree size up to 200 ------------------------------------------------

MAX_SIZE = 200


@pytest.fixture(scope="module")
def big() -> tuple[MerkleTree, list[bytes], list[bytes]]:
    tree = MerkleTree()
    for i in range(MAX_SIZE):
        tree.append(f"event {i}".encode())
    hashes = [tree.leaf_hash_at(i) for i in range(MAX_SIZE)]
    roots = [root_from_leaf_hashes(hashes[:n]) for n in range(MAX_SIZE + 1)]
    return tree, hashes, roots


def test_roots_of_every_prefix(big: tuple[MerkleTree, list[bytes], list[bytes]]) -> None:
    tree, _, roots = big
    assert [tree.root(n) for n in range(MAX_SIZE + 1)] == roots


def test_every_inclusion_proof(big: tuple[MerkleTree, list[bytes], list[bytes]]) -> None:
    tree, hashes, roots = big
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            leaf = hashes[index]
            verify_inclusion(leaf, index, size, proof, roots[size])
            # A flipped byte in any element, a wrong index or a wrong size fails. Wrong
            # sizes are given the true root of that size, as a caller's state would.
            for i in range(len(proof)):
                bad = [*proof[:i], flip(proof[i], 1), *proof[i + 1 :]]
                assert raises_proof_error(verify_inclusion, leaf, index, size, bad, roots[size])
            for other in (index - 1, index + 1):
                if 0 <= other < size:
                    assert raises_proof_error(
                        verify_inclusion, leaf, other, size, proof, roots[size]
                    )
            for other in (size - 1, size + 1):
                if index < other <= MAX_SIZE:
                    assert raises_proof_error(
                        verify_inclusion, leaf, index, other, proof, roots[other]
                    )
            assert raises_proof_error(verify_inclusion, leaf, index, size, proof, roots[size - 1])
            if size > 1:
                other_leaf = hashes[(index + 1) % size]
                assert raises_proof_error(
                    verify_inclusion, other_leaf, index, size, proof, roots[size]
                )


def test_every_consistency_proof(big: tuple[MerkleTree, list[bytes], list[bytes]]) -> None:
    tree, _, roots = big
    for new in range(1, MAX_SIZE + 1):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)
            if old == new:
                assert proof == []
                continue
            # One flipped element per proof, chosen by position, covers every position.
            i = (old + new) % len(proof)
            bad = [*proof[:i], flip(proof[i], 1), *proof[i + 1 :]]
            assert raises_proof_error(verify_consistency, old, new, roots[old], roots[new], bad)
            for other in (old - 1, old + 1):
                if 0 < other < new:
                    assert raises_proof_error(
                        verify_consistency, other, new, roots[other], roots[new], proof
                    )
            for other in (new - 1, new + 1):
                if old < other <= MAX_SIZE:
                    assert raises_proof_error(
                        verify_consistency, old, other, roots[old], roots[other], proof
                    )
            assert raises_proof_error(verify_consistency, old, new, roots[new], roots[old], proof)
            # A forked old tree: right size, 32-byte root, but not the one the proof is for.
            forked = flip(roots[old], 1)
            assert raises_proof_error(verify_consistency, old, new, forked, roots[new], proof)
            forked_new = flip(roots[new], 1)
            assert raises_proof_error(verify_consistency, old, new, roots[old], forked_new, proof)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_larger_trees_agree_with_the_naive_root(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=3000), label="size")
    tree = MerkleTree()
    for i in range(size):
        tree.append(i.to_bytes(4, "big"))
    hashes = [tree.leaf_hash_at(i) for i in range(size)]
    n = data.draw(st.integers(min_value=1, max_value=size), label="n")
    m = data.draw(st.integers(min_value=0, max_value=n), label="m")
    index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
    root_n, root_m = root_from_leaf_hashes(hashes[:n]), root_from_leaf_hashes(hashes[:m])
    assert tree.root(n) == root_n
    verify_inclusion(hashes[index], index, n, tree.inclusion_proof(index, n), root_n)
    verify_consistency(m, n, root_m, root_n, tree.consistency_proof(m, n))

"""RFC 9162 §2.1 Merkle hash tree: append-only log tree, inclusion and consistency proofs.

This is the tree of Certificate Transparency (RFC 6962, restated in RFC 9162 §2.1) with
SHA-256 fixed as the hash function:

* leaf hash ``SHA-256(0x00 || entry)``, interior node hash ``SHA-256(0x01 || left || right)``;
* the root of the empty tree is ``SHA-256("")``;
* ``MTH(D[n])`` splits ``n > 1`` leaves at ``k``, the largest power of two smaller than ``n``;
* leaves are numbered from 0.

:class:`MerkleTree` keeps every leaf hash and the hash of every *complete* subtree, that is
every aligned run of ``2**h`` leaves, in one flat ``bytearray`` per level. Appending a leaf
costs one leaf hash plus, amortised, one node hash. Any root, inclusion proof or consistency
proof, for the current size or any earlier size, is then assembled from O(log n) stored
nodes with O(log n) hashing. Memory is about ``64 * n`` bytes.

The verifiers (:func:`verify_inclusion`, :func:`verify_consistency`) are the algorithms of
RFC 9162 §2.1.3.2 and §2.1.4.2. They take the tree sizes, the leaf index and the expected
roots from the caller and never from the proof, and they raise :class:`ProofError` on
failure rather than returning a boolean that could be ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "ProofError",
    "ProvableTree",
    "checked_leaf_hash",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""``MTH({})``: the root hash of the tree with no leaves."""

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


class ProofError(ValueError):
    """A Merkle proof did not verify; the message says why."""


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return ``MTH`` of the given leaf hashes by the plain recursive definition.

    This is O(n) hashing with no caching; it exists to cross-check :class:`MerkleTree`.
    """
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return bytes(hashes[0])
    k = _split(n)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


def _check_int(name: str, value: int) -> None:
    # bool is an int subclass; True as a tree size is a bug, not a size.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def checked_leaf_hash(h: bytes) -> bytes:
    """``h`` as bytes if it is a 32-byte hash; ValueError otherwise."""
    if not isinstance(h, bytes | bytearray | memoryview) or len(h) != HASH_SIZE:
        raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
    return bytes(h)


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


class ProvableTree:
    """Roots and proofs of an RFC 9162 tree that can give the hash of any complete subtree.

    A subclass keeps the nodes as it likes and provides :attr:`size` and
    ``_node(level, index)``: the hash of the complete subtree of ``2**level`` leaves
    ``[index * 2**level, (index + 1) * 2**level)``, for any such subtree of the first
    ``size`` leaves. :class:`MerkleTree` keeps every node in memory;
    :class:`hub.trail.tiled_tree.TiledTree` keeps them in C2SP tiles in a store.
    """

    __slots__ = ()

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        raise NotImplementedError

    def append_leaf_hash(self, h: bytes) -> int:
        """Append a leaf whose leaf hash (``SHA-256(0x00 || entry)``) is already known.

        Returns the new leaf's 0-based index.
        """
        raise NotImplementedError

    def append(self, entry: bytes) -> int:
        """Append ``entry`` as a new leaf and return its 0-based index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def _node(self, level: int, index: int) -> bytes:
        raise NotImplementedError

    def root(self, size: int | None = None) -> bytes:
        """Return ``MTH`` of the first ``size`` leaves (default: all of them)."""
        if size is None:
            size = self.size
        self._check_size("size", size)
        if size == 0:
            return EMPTY_ROOT
        return self._mth(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return ``PATH(index, D[size])`` (RFC 9162 §2.1.3.1), leaf-side node first."""
        self._check_size("size", size)
        _check_int("index", index)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} out of range for tree size {size}")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._mth(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """Return ``PROOF(old_size, D[new_size])`` (RFC 9162 §2.1.4.1).

        The proof is empty when ``old_size`` is 0 or equal to ``new_size``: there is nothing
        to prove in either case (see :func:`verify_consistency`).
        """
        self._check_size("new_size", new_size)
        _check_int("old_size", old_size)
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old_size {old_size} must be between 0 and new_size {new_size}")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        lo, hi = 0, new_size
        whole_old_tree = True  # the "b" flag of SUBPROOF
        while True:
            n, m = hi - lo, old_size - lo
            if m == n:
                if not whole_old_tree:
                    proof.append(self._mth(lo, hi))
                break
            k = _split(n)
            if m <= k:
                proof.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._mth(lo, lo + k))
                lo += k
                whole_old_tree = False
        proof.reverse()
        return proof

    def subtree_hash(self, lo: int, hi: int) -> bytes:
        """Return ``MTH(D[lo:hi])``: O(1) for an aligned complete subtree, as tiles ask."""
        self._check_size("hi", hi)
        if not 0 <= lo < hi:
            raise ValueError(f"empty or inverted leaf range [{lo}, {hi})")
        return self._mth(lo, hi)

    # -- internals ---------------------------------------------------------------------

    def _check_size(self, name: str, size: int) -> None:
        _check_int(name, size)
        if not 0 <= size <= self.size:
            raise ValueError(f"{name} {size} out of range: the tree has {self.size} leaves")

    def _mth(self, lo: int, hi: int) -> bytes:
        """``MTH(D[lo:hi])`` for ``0 <= lo < hi <= size``.

        A complete aligned subtree is a stored node. Otherwise the range is cut, as MTH
        does, into complete subtrees from the left, and these are folded from the right.
        The ranges that proofs ask for are always aligned, so this is O(log n).
        """
        parts: list[bytes] = []
        while True:
            n = hi - lo
            if n & (n - 1) == 0 and lo % n == 0:
                parts.append(self._node(n.bit_length() - 1, lo // n))
                break
            k = _split(n)
            parts.append(self._mth(lo, lo + k))
            lo += k
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result


class MerkleTree(ProvableTree):
    """An append-only RFC 9162 Merkle tree over SHA-256.

    ``self._levels[h]`` holds, back to back, the hashes of all complete subtrees of
    ``2**h`` leaves: entry ``i`` covers leaves ``[i * 2**h, (i + 1) * 2**h)``. Level 0 is
    the leaf hashes. A level always has ``size >> h`` entries, so every complete subtree
    of any prefix of the log is available without hashing.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append_leaf_hash(self, h: bytes) -> int:
        """Append a leaf whose leaf hash (``SHA-256(0x00 || entry)``) is already known.

        Returns the new leaf's 0-based index.
        """
        cur = checked_leaf_hash(h)
        index = self._size
        levels = self._levels
        levels[0] += cur
        self._size = count = index + 1
        level = 0
        # Each time a level's count becomes even, its last two entries complete a parent.
        while count & 1 == 0:
            cur = hashlib.sha256(_NODE_PREFIX + levels[level][-64:-32] + cur).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += cur
            count >>= 1
        return index

    def leaf_hash_at(self, index: int) -> bytes:
        """Return the leaf hash stored at ``index``."""
        _check_int("index", index)
        if not 0 <= index < self._size:
            raise ValueError(f"leaf index {index} out of range for tree size {self._size}")
        return self._node(0, index)

    # -- internals ---------------------------------------------------------------------

    def _node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    This is the algorithm of RFC 9162 §2.1.3.2. ``index``, ``size`` and ``root`` must come
    from the caller's own trusted state (for example a verified checkpoint), never from
    the party that supplied ``proof``.

    :raises ProofError: if the proof does not verify; the message says why.
    """
    _check_int("index", index)
    _check_int("size", size)
    if index < 0 or size < 0:
        raise ProofError(f"negative leaf index {index} or tree size {size}")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root", root)
    for i, p in enumerate(proof):
        _check_hash(f"inclusion proof element {i}", p)

    root = bytes(root)
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError(
                f"inclusion proof too long: {len(proof)} hashes for leaf {index} of {size}"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof too short: {len(proof)} hashes for leaf {index} of {size}"
        )
    if r != root:
        raise ProofError(
            f"inclusion proof for leaf {index} of tree size {size} does not lead to the root"
        )


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree ``(new_size, new_root)`` extends the tree ``(old_size, old_root)``.

    This is the algorithm of RFC 9162 §2.1.4.2, with the edge cases the RFC leaves out
    handled as transparency-dev/merkle does: equal sizes need equal roots and an empty
    proof; an empty old tree is consistent with every tree and takes an empty proof.
    Sizes and roots must come from the caller's own trusted state, never from the proof.

    :raises ProofError: if the proof does not verify; the message says why.
    """
    _check_int("old_size", old_size)
    _check_int("new_size", new_size)
    if old_size < 0 or new_size < 0:
        raise ProofError(f"negative tree size ({old_size}, {new_size})")
    if old_size > new_size:
        raise ProofError(f"old tree size {old_size} is larger than new tree size {new_size}")
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for i, c in enumerate(proof):
        _check_hash(f"consistency proof element {i}", c)

    if old_size == new_size:
        if proof:
            raise ProofError(f"trees of equal size {old_size} need an empty consistency proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    if old_size == 0:
        if proof:
            raise ProofError("consistency with the empty tree needs an empty proof")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {old_size} to {new_size}")

    old_root, new_root = bytes(old_root), bytes(new_root)
    path: list[bytes] = [bytes(c) for c in proof]
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root is a node
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(
                f"consistency proof too long: {len(proof)} hashes from {old_size} to {new_size}"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"consistency proof too short: {len(proof)} hashes from {old_size} to {new_size}"
        )
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the old root (size {old_size})")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the new root (size {new_size})")

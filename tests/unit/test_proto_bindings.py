"""The committed Python bindings are what `make proto` would generate now."""

from __future__ import annotations

import filecmp
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"


def test_generated_bindings_are_up_to_date(tmp_path: Path) -> None:
    sources = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    assert sources, "no .proto files found"
    include = Path(protoc.__file__).parent / "_proto"
    status = protoc.main(
        [
            "protoc",
            f"-I{PROTO}",
            f"-I{include}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            *sources,
        ]
    )
    assert status == 0
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*"))
    stale = [
        str(rel)
        for rel in generated
        if not (PROTO / rel).exists() or not filecmp.cmp(tmp_path / rel, PROTO / rel, shallow=False)
    ]
    assert not stale, f"bindings are stale, run `make proto`: {stale}"

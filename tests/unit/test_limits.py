"""uint64 fields above what the store holds are refused at the edge, at any depth; a
request type that can hold none is not walked at all."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from aggregates.errors import InvalidInput
from hub.servicers.limits import MAX_STORED_INT, _holds_unsigned, check_integer_ranges


def test_a_uint64_above_the_store_is_refused_at_any_depth() -> None:
    with pytest.raises(InvalidInput) as top:
        check_integer_ranges(desk.PayAgencyRequest(amount_rials=MAX_STORED_INT + 1))
    with pytest.raises(InvalidInput) as nested:
        check_integer_ranges(desk.GetCaseResponse(case=desk.Case(fee_rials=MAX_STORED_INT + 1)))
    assert [v.field for v in top.value.violations] == ["amount_rials"]
    assert [v.field for v in nested.value.violations] == ["case.fee_rials"]
    check_integer_ranges(desk.PayAgencyRequest(amount_rials=MAX_STORED_INT))


def test_types_without_uint64_are_known_as_such() -> None:
    assert _holds_unsigned(desk.GetCaseResponse.DESCRIPTOR)
    assert not _holds_unsigned(desk.RecordStepRequest.DESCRIPTOR)
    assert not _holds_unsigned(struct_pb2.Struct.DESCRIPTOR)  # recursive: Struct, Value, ListValue
    check_integer_ranges(desk.RecordStepRequest(tracking_code="C-0000-0000-0000-0", step="x"))

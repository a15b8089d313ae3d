"""The three stages every public service passes through (by-law 004 art. 2)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Stage"]


class Stage(StrEnum):
    """مرحله: request (درخواست), production (تولید), delivery (تحویل), in that order."""

    REQUEST = "request"
    PRODUCTION = "production"
    DELIVERY = "delivery"

    @property
    def next(self) -> Stage | None:
        """The stage after this one; None after delivery."""
        order = list(Stage)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None

    @property
    def title_fa(self) -> str:
        """The stage's Persian name."""
        return _TITLES_FA[self]


_TITLES_FA = {
    Stage.REQUEST: "درخواست",
    Stage.PRODUCTION: "تولید",
    Stage.DELIVERY: "تحویل",
}

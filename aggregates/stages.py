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
        return _NEXT[self]

    @property
    def title_fa(self) -> str:
        """The stage's Persian name."""
        return _TITLES_FA[self]


_NEXT: dict[Stage, Stage | None] = {
    Stage.REQUEST: Stage.PRODUCTION,
    Stage.PRODUCTION: Stage.DELIVERY,
    Stage.DELIVERY: None,
}

_TITLES_FA = {
    Stage.REQUEST: "درخواست",
    Stage.PRODUCTION: "تولید",
    Stage.DELIVERY: "تحویل",
}

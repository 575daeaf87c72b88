"""Game rules as a frozen dataclass (SPEC section 1: the "classic" preset is the default)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .core import KernelRules


@dataclass(frozen=True)
class Rules:
    """The rules of one family of games. Every field is a plain number so a run can dump it."""

    width: int = 50
    """Board width in cells (x grows to the right)."""
    height: int = 50
    """Board height in cells (y grows down, screen coordinates)."""
    start_x: int = 10
    """Head's x at the start."""
    start_y: int = 10
    """Head's y at the start."""
    start_length: int = 3
    """Snake length at the start; the body trails behind the head, against the start direction."""
    start_dx: int = 1
    """Start direction, x component (right is (1, 0))."""
    start_dy: int = 0
    """Start direction, y component (down is (0, 1))."""
    max_steps: int = 2000
    """A game is truncated after this many steps (the study: 2000)."""
    name: str = "classic"
    """Name of the rules preset, recorded in datasets and runs."""

    def __post_init__(self) -> None:
        if self.width < 3 or self.height < 3:
            raise ValueError(f"board must be at least 3x3 cells, got {self.width}x{self.height}")
        if self.width * self.height > 2**31 - 1:
            raise ValueError("board too large")
        if (abs(self.start_dx) + abs(self.start_dy)) != 1:
            raise ValueError(f"start direction must be a unit axis vector, got ({self.start_dx}, {self.start_dy})")
        if self.start_length < 1:
            raise ValueError(f"start length must be >= 1, got {self.start_length}")
        if self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {self.max_steps}")
        tx = self.start_x - (self.start_length - 1) * self.start_dx
        ty = self.start_y - (self.start_length - 1) * self.start_dy
        for x, y in ((self.start_x, self.start_y), (tx, ty)):
            if not (0 <= x < self.width and 0 <= y < self.height):
                raise ValueError(
                    f"the start snake (head ({self.start_x},{self.start_y}), length {self.start_length}) "
                    f"does not fit on a {self.width}x{self.height} board"
                )

    @classmethod
    def classic(cls, board: int = 50, max_steps: int = 2000) -> "Rules":
        """The study's rules on a square board. The start is (10, 10) where it fits, else the centre."""
        if board < 3:
            raise ValueError(f"board must be at least 3 cells, got {board}")
        sx = sy = 10 if board >= 12 else board // 2
        length = 3 if sx >= 2 else 1
        return cls(width=board, height=board, start_x=sx, start_y=sy, start_length=length, max_steps=max_steps)

    @property
    def cells(self) -> int:
        return self.width * self.height

    def kernel(self) -> KernelRules:
        """The rules as the kernels read them: a named tuple of int64."""
        return KernelRules(self.width, self.height, self.start_x, self.start_y, self.start_length,
                           self.start_dx, self.start_dy, self.max_steps)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Rules":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

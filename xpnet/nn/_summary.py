"""``summary``: a table of a model's layers, output shapes, parameter counts and bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import ArgumentTypeError
from ..autodiff import no_grad
from ..ops import zeros
from ..tensor import Tensor
from ._module import Module


@dataclass
class Row:
    name: str  # dotted path ("" for the model itself)
    kind: str  # class name
    depth: int
    output_shape: tuple[int, ...] | None  # None when the layer did not run or gave a non-tensor
    params: int  # this layer's own parameters (not its children's)
    trainable: int
    bytes: int  # own parameters and buffers


@dataclass
class Summary:
    """What ``summary`` found; ``str(summary)`` is the table."""

    rows: list[Row]
    total_params: int
    trainable_params: int
    param_bytes: int
    buffer_bytes: int
    input_shape: tuple[int, ...]

    def __str__(self) -> str:
        head = ("Layer (type)", "Output shape", "Params", "Bytes")
        body = [
            (
                "  " * r.depth + (f"{r.name} ({r.kind})" if r.name else r.kind),
                "-" if r.output_shape is None else str(list(r.output_shape)),
                f"{r.params:,}",
                f"{r.bytes:,}",
            )
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [head, *body]) for i in range(4)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        rule = "=" * len(line(head))
        out = [rule, line(head), rule, *map(line, body), rule]
        out += [
            f"Input shape: {list(self.input_shape)}",
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            f"Parameter bytes: {self.param_bytes:,}   Buffer bytes: {self.buffer_bytes:,}",
            rule,
        ]
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)


def summary(model: Module, input: Any, dtype: Any = None) -> Summary:
    """Run ``model`` once on ``input`` and tabulate every layer (like torchinfo's summary).

    ``input``: a Tensor, or a shape (zeros of ``dtype``, default float32, on the model's
    backend and device). The pass runs in eval mode without recording gradients, so
    no running statistic, random stream or gradient changes; the mode is restored.
    Returns a ``Summary``; ``print(summary(...))`` shows the table.
    """
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"summary: expected a Module, got {type(model).__name__}")
    if isinstance(input, Tensor):
        x = input
    elif isinstance(input, (tuple, list)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in input
    ):
        b = model.backend
        x = zeros(tuple(input), dtype=dtype, backend=b) if b is not None else zeros(tuple(input))
    else:
        raise ArgumentTypeError(
            f"summary: input must be a Tensor or a shape (a tuple of ints), got {input!r}"
        )
    shapes: dict[int, tuple[int, ...] | None] = {}
    handles = []
    entries = list(model.named_modules())
    for _, m in entries:

        def hook(mod: Module, args: Any, out: Any) -> None:
            shapes[id(mod)] = tuple(out.shape) if isinstance(out, Tensor) else None

        handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    rows = []
    for name, m in entries:
        own = list(m.parameters(recurse=False))
        bufs = list(m.buffers(recurse=False))
        rows.append(
            Row(
                name=name,
                kind=type(m).__name__,
                depth=name.count(".") + 1 if name else 0,
                output_shape=shapes.get(id(m)),
                params=sum(int(p.size) for p in own),
                trainable=sum(int(p.size) for p in own if p.requires_grad),
                bytes=sum(t.nbytes for t in [*own, *bufs]),
            )
        )
    params = list(model.parameters())
    return Summary(
        rows=rows,
        total_params=sum(int(p.size) for p in params),
        trainable_params=sum(int(p.size) for p in params if p.requires_grad),
        param_bytes=sum(p.nbytes for p in params),
        buffer_bytes=sum(t.nbytes for t in model.buffers()),
        input_shape=tuple(x.shape),
    )

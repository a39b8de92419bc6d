"""A step replayed as one CUDA graph launch (CuPy): capture, private stream and pool, launch.

The device side of ``xn.compile(cuda_graph=True)``; the compile package keeps the
step's Python side (which tensors the step updates, its outputs) and asks the backend
for a ``DeviceGraph`` (``Backend.device_graph()``), so no CuPy call lives outside
``xpnet/backend/``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import Array
    from ._cupy import CupyBackend


class CudaGraph:
    """One program captured as a CUDA graph on a private stream, with a private pool.

    ``noting_allocations()`` wraps the program's first (plain) run and notes the sizes
    it allocates; ``capture(run, inputs)`` captures ``run`` (capturing executes
    nothing) with every intermediate kept alive in a private memory pool, prefilled on
    the capture stream with those sizes (capture cannot ask the driver for memory),
    then launches it once; ``launch(inputs)`` copies the arguments into the captured
    input buffers and launches again. ``finish(work)`` runs the step's after-launch
    work (copies of the graph's buffers, which the next launch overwrites) on the
    private stream and orders the caller's stream after it. The private stream is
    ordered after the caller's current stream with an event, whatever stream the
    caller uses. A failed capture leaves ``failed`` set and changes nothing.
    """

    def __init__(self, backend: CupyBackend) -> None:
        import cupy

        self.cupy = cupy
        self.backend = backend
        self.sizes: list[int] = []  # what the first (plain) run allocated
        self.graph: Any = None
        self.failed: str | None = None
        self.inputs: list[Array] = []
        self.results: list[Array] = []
        self.checks: list[tuple[Array, Callable[[], Exception]]] = []
        self.pool: Any = None
        self.stream: Any = None

    @property
    def captured(self) -> bool:
        return self.graph is not None

    def reset(self) -> None:
        """Forget the graph (its raw pointers went stale): the next call captures again."""
        self.graph = None

    @contextlib.contextmanager
    def noting_allocations(self) -> Iterator[None]:
        cupy, sizes = self.cupy, self.sizes
        default = cupy.get_default_memory_pool()

        def malloc(n: int) -> Any:
            sizes.append(n)
            return default.malloc(n)

        with cupy.cuda.using_allocator(malloc):
            yield

    def capture(self, run: Callable[[list[Array]], Any], inputs: list[Array]) -> bool:
        """Capture ``run(inputs)`` and launch it; False (and ``failed`` set) when capture failed."""
        cupy, backend = self.cupy, self.backend
        backend.flush_checks()  # nothing may read the host while capturing
        caller = cupy.cuda.get_current_stream()
        self.stream = cupy.cuda.Stream(non_blocking=True)
        # A private pool: the graph's intermediates (freed ones too) must never be
        # handed to other code, which the next launch would overwrite.
        self.pool = cupy.cuda.MemoryPool()
        self.stream.wait_event(caller.record())
        with self.stream:
            held = [self.pool.malloc(n) for n in self.sizes]
            del held
            self.inputs = [cupy.array(a, copy=True) for a in inputs]
        self.stream.synchronize()
        checks_before = len(backend._pending)
        try:
            with self.stream, cupy.cuda.using_allocator(self.pool.malloc):
                self.stream.begin_capture()
                try:
                    self.results = list(run(self.inputs))
                finally:
                    graph = self.stream.end_capture()
        except Exception as e:  # capture records only: nothing ran
            del backend._pending[checks_before:]
            self.failed = f"{type(e).__name__}: {e}"
            self.graph = None
            return False
        # checks registered while capturing: their flags are kept intermediates
        self.checks = backend._pending[checks_before:]
        del backend._pending[checks_before:]
        self.graph = graph
        with self.stream:
            self.graph.launch(self.stream)
        return True

    def launch(self, inputs: list[Array]) -> None:
        caller = self.cupy.cuda.get_current_stream()
        self.stream.wait_event(caller.record())
        with self.stream:
            for buf, a in zip(self.inputs, inputs, strict=True):
                buf[...] = a
            self.graph.launch(self.stream)

    def copy(self, arr: Array) -> Array:
        """A copy of one of the graph's buffers (queued on the private stream inside ``finish``)."""
        return self.cupy.array(arr, copy=True)

    def finish(self, work: Callable[[], Any]) -> Any:
        """``work()`` on the private stream, then the caller's stream ordered after it."""
        with self.stream:
            result = work()
            done = self.stream.record()
        self.cupy.cuda.get_current_stream().wait_event(done)
        return result

"""A recorded step as a straight-line Python function: one line per instruction.

The code is generated and compiled once (as ``torch.fx`` does), so a replay runs
the array library's calls back to back: no Tensor, graph node or dispatch per
operation. Every array lives in a local variable that is deleted right after its
last use (the memory plan's liveness part), so a replay holds no more than the
eager step did, and usually less.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tensor import Tensor, _wrap
from ._recorder import Recorder


class Program:
    def __init__(
        self, rec: Recorder, outputs: list[tuple[str, Any]], keep_all: bool = False
    ) -> None:
        self.before = list(rec.before)
        self.source, ns = _generate(rec, outputs, keep_all)
        self.out_backends: list[Any] = [
            rec.backend_of[r[1]] if r[0] == "t" else None for r in outputs
        ]
        self.outputs = outputs
        code = compile(self.source, "<xn.compile program>", "exec")
        exec(code, ns)
        self._run = ns["run"]
        self.ops = sum(1 for ins in rec.instrs if ins[0] == "op")

    def __call__(self, args: list[Tensor]) -> list[Any]:
        for refresh in self.before:
            refresh()
        arrays = self._run([a.data for a in args])
        out: list[Any] = []
        for r, arr, b in zip(self.outputs, arrays, self.out_backends, strict=True):
            if r[0] == "t":
                out.append(_wrap(arr, b))
            elif r[0] == "a":
                out.append(args[r[1]])
            else:
                out.append(r[1])  # an external tensor or a constant
        return out


def _param(v: Any, const: Any) -> str:
    return repr(v) if v is None or isinstance(v, (bool, int)) else const(v, "P")


class _Consts:
    """Names in the generated program's namespace for the objects it refers to (one each)."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.names: dict[int, str] = {}

    def __call__(self, value: Any, prefix: str) -> str:
        key = id(value)
        if key not in self.names:
            self.names[key] = f"{prefix}{len(self.names)}"
            self.ns[self.names[key]] = value
        return self.names[key]


def _expr(
    r: tuple[str, Any],
    const: _Consts,
    external: Callable[[Tensor], str],
    grad: Callable[[Tensor], str],
) -> str:
    """Source text of one recorded operand: a slot, an argument, an external tensor's array
    or gradient (as the program kind reads them), or a constant."""
    kind, v = r
    if kind == "t":
        return f"v{v}"
    if kind == "a":
        return f"args[{v}]"
    if kind == "e":
        return external(v)
    if kind == "g":
        return grad(v)
    if v is None or isinstance(v, (bool, int)):
        return repr(v)
    return const(v, "C")


def _generate(
    rec: Recorder, outputs: list[tuple[str, Any]], keep_all: bool = False
) -> tuple[str, dict[str, Any]]:
    ns: dict[str, Any] = {"_wrap": _wrap}
    const = _Consts(ns)

    def expr(r: tuple[str, Any]) -> str:
        return _expr(
            r, const, lambda t: f"{const(t, 'E')}.data", lambda t: f"{const(t, 'E')}.grad.data"
        )

    instrs = rec.instrs
    # Liveness: the last instruction (or the return) that reads each slot.
    last: dict[int, int] = {}
    for i, ins in enumerate(instrs):
        refs: tuple[Any, ...] = ()
        if ins[0] == "op":
            refs = ins[4]
        elif (ins[0] == "grad" and ins[2] is not None) or ins[0] == "check":
            refs = (ins[2],)
        for r in refs:
            if r[0] == "t":
                last[r[1]] = i
    returned = {r[1] for r in outputs if r[0] == "t"}
    body: list[str] = []
    for i, ins in enumerate(instrs):
        kind = ins[0]
        if kind == "op":
            _, _prim, impl, b, refs, params, slot = ins
            call = f"{const(impl, 'F')}({const(b, 'B')}{''.join(', ' + expr(r) for r in refs)}"
            call += "".join(
                f", {k}={const(v, 'P') if not isinstance(v, (bool, int, type(None))) else repr(v)}"
                for k, v in params.items()
            )
            call += ")"
            target = f"v{slot}" if slot is not None else "n"
            line = f"{target} = {call}"
            if b.needs_context:
                body.append(f"with {const(b, 'B')}.current():")
                body.append(f"    {line}")
            else:
                body.append(line)
            if slot is None:  # an in-place update: the next instruction says what it changed
                changed = instrs[i + 1][1]
                for j, pos in enumerate(changed):
                    r = refs[pos]
                    if r[0] == "e":
                        body.append(f"{const(r[1], 'E')}._set_data(n[{j}])")
                    elif r[0] == "t":
                        body.append(f"v{r[1]} = n[{j}]")
        elif kind == "rng":
            _, g, method, args, slot = ins
            body.append(f"v{slot} = {const(getattr(g, method), 'R')}(*{const(args, 'A')})")
        elif kind == "grad":
            _, t, r = ins
            target = f"{const(t, 'E')}.grad"
            if r is None:
                body.append(f"{target} = None")
            elif r[0] == "t":
                body.append(f"{target} = _wrap(v{r[1]}, {const(rec.backend_of[r[1]], 'B')})")
            elif r[0] == "e":
                body.append(f"{target} = {const(r[1], 'E')}")
            else:
                body.append(f"{target} = None  # an argument as a gradient is not replayed")
        elif kind == "check":
            _, b, r, error = ins
            body.append(f"{const(b, 'B')}.check({expr(r)}, {const(error, 'X')})")
        # release what is no longer read (a CUDA graph keeps everything: its addresses are fixed)
        done = [] if keep_all else [k for k, at in last.items() if at == i and k not in returned]
        if (
            kind in ("op", "rng")
            and (ins[-1] is not None)
            and ins[-1] not in last
            and ins[-1] not in returned
        ):
            done.append(ins[-1])  # made but never read
        if done:
            body.append("del " + ", ".join(f"v{k}" for k in sorted(done)))
    ret = ", ".join(f"v{r[1]}" if r[0] == "t" else "None" for r in outputs)
    if keep_all:  # hand every array back too: whoever replays the graph keeps them alive
        body.append("_KEEP[:] = [v for k, v in locals().items() if k.startswith('v')]")
        ns["_KEEP"] = []
    body.append(f"return ({ret}{',' if len(outputs) == 1 else ''})")
    source = "def run(args):\n" + "\n".join("    " + line for line in body) + "\n"
    return source, ns


class PureProgram:
    """The same program as a pure function, for JAX: compiled by ``jax.jit`` (XLA).

    Random draws are made before the call (from the same generators, in the same
    order); external tensors come in as arrays; the function returns the outputs,
    the final values of the tensors the step updates, the gradients it assigns and
    its check flags. The wrapper then runs the checks and, only if they pass,
    stores the updates and gradients: a failed check changes nothing.
    """

    def __init__(self, rec: Recorder, outputs: list[tuple[str, Any]]) -> None:
        import jax

        self.before = list(rec.before)
        self.source, ns, self.plan = _generate_pure(rec, outputs)
        self.outputs = outputs
        self.out_backends: list[Any] = [
            rec.backend_of[r[1]] if r[0] == "t" else None for r in outputs
        ]
        exec(compile(self.source, "<xn.compile pure program>", "exec"), ns)
        self._run = jax.jit(ns["run"])
        self.ops = sum(1 for ins in rec.instrs if ins[0] == "op")

    def __call__(self, args: list[Tensor]) -> list[Any]:
        plan = self.plan
        for refresh in self.before:
            refresh()
        rng = tuple(draw(*a) for draw, a in plan["rng"])
        ext = tuple(t.data for t in plan["ext"]) + tuple(t._grad.data for t in plan["grad_in"])
        outs, muts, grads, flags = self._run(tuple(a.data for a in args), ext, rng)
        for (b, error), flag in zip(plan["checks"], flags, strict=True):
            b.check(flag, error)
        for t, arr in zip(plan["mutated"], muts, strict=True):
            t._set_data(arr)
        for (leaf, how, b), arr in zip(plan["grads"], grads, strict=True):
            if how == "none":
                leaf.grad = None
            elif how == "slot":
                leaf.grad = _wrap(arr, b)
            else:
                leaf.grad = b  # an external tensor itself
        out: list[Any] = []
        for r, arr, b in zip(self.outputs, outs, self.out_backends, strict=True):
            out.append(_wrap(arr, b) if r[0] == "t" else (args[r[1]] if r[0] == "a" else r[1]))
        return out


def _generate_pure(
    rec: Recorder, outputs: list[tuple[str, Any]]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    ns: dict[str, Any] = {}
    ext: list[Tensor] = []
    ext_index: dict[int, int] = {}
    grad_in: list[Tensor] = []
    grad_index: dict[int, int] = {}
    plan: dict[str, Any] = {"rng": [], "checks": [], "grads": [], "mutated": []}
    body: list[str] = []
    mutated: dict[int, Tensor] = {}

    const = _Consts(ns)

    def local(t: Tensor) -> str:
        if id(t) not in ext_index:
            ext_index[id(t)] = len(ext)
            ext.append(t)
        return f"x{ext_index[id(t)]}"

    def grad_local(t: Tensor) -> str:
        if id(t) not in grad_index:
            grad_index[id(t)] = len(grad_in)
            grad_in.append(t)
        return f"gx{grad_index[id(t)]}"

    def expr(r: tuple[str, Any]) -> str:
        return _expr(r, const, local, grad_local)

    grads_out: list[str] = []
    flags: list[str] = []
    for i, ins in enumerate(rec.instrs):
        kind = ins[0]
        if kind == "op":
            _, _prim, impl, b, refs, params, slot = ins
            args_src = "".join(", " + expr(r) for r in refs)
            kw = "".join(f", {k}={const(v, 'P')}" for k, v in params.items())
            target = f"v{slot}" if slot is not None else "n"
            body.append(f"{target} = {const(impl, 'F')}({const(b, 'B')}{args_src}{kw})")
            if slot is None:
                for j, pos in enumerate(rec.instrs[i + 1][1]):
                    r = refs[pos]
                    if r[0] == "e":
                        body.append(f"{local(r[1])} = n[{j}]")
                        mutated[id(r[1])] = r[1]
                    elif r[0] == "t":
                        body.append(f"v{r[1]} = n[{j}]")
        elif kind == "rng":
            _, g, method, args, slot = ins
            body.append(f"v{slot} = rng[{len(plan['rng'])}]")
            plan["rng"].append((getattr(g, method), args))
        elif kind == "grad":
            _, t, r = ins
            if r is None:
                plan["grads"].append((t, "none", None))
                grads_out.append("None")
            elif r[0] == "t":
                plan["grads"].append((t, "slot", rec.backend_of[r[1]]))
                grads_out.append(f"v{r[1]}")
            else:
                plan["grads"].append((t, "tensor", r[1] if r[0] == "e" else None))
                grads_out.append("None")
        elif kind == "check":
            _, b, r, error = ins
            plan["checks"].append((b, error))
            flags.append(expr(r))
    plan["ext"] = ext
    plan["grad_in"] = grad_in
    plan["mutated"] = list(mutated.values())
    head = [f"x{k} = ext[{k}]" for k in range(len(ext))]
    head += [f"gx{k} = ext[{len(ext) + k}]" for k in range(len(grad_in))]
    outs = ", ".join(expr(r) if r[0] in ("t", "a") else "None" for r in outputs)
    muts = ", ".join(local(t) for t in plan["mutated"])
    tail = f"return ({outs},), ({muts},), ({', '.join(grads_out)},), ({', '.join(flags)},)"
    lines = head + body + [tail]
    source = "def run(args, ext, rng):\n" + "\n".join("    " + line for line in lines) + "\n"
    return source.replace("(,)", "()"), ns, plan


class CudaGraphProgram:
    """A CuPy program replayed as a CUDA graph: one launch for the whole step.

    Used for programs on CuPy without random draws (Philox's counter would be fixed
    in the graph) and without gradients left by a previous call. The first call runs
    the ordinary program; the second captures the program on a stream (capturing
    executes nothing) with every intermediate kept alive, so its addresses stay
    valid, then launches it. Later calls copy the arguments into the captured input
    buffers, refresh the scalar slots, launch, and copy the outputs out. If capture
    fails the ordinary program runs instead, from then on.
    """

    def __init__(self, rec: Recorder, outputs: list[tuple[str, Any]]) -> None:
        self.plain = Program(rec, outputs)
        self.captured = Program(rec, outputs, keep_all=True)
        self.backend = next(ins[3] for ins in rec.instrs if ins[0] == "op")
        self.ops = self.plain.ops
        self.source = self.plain.source
        self.calls = 0
        self.graph: Any = None
        self.failed: str | None = None
        self.inputs: list[Any] = []
        self.results: list[Any] = []
        self.checks: list[Any] = []
        self.sizes: list[int] = []  # what the first (plain) call allocated
        self.pool: Any = None

    def __call__(self, args: list[Tensor]) -> list[Any]:
        self.calls += 1
        if self.failed is not None:
            return self.plain(args)
        if self.calls == 1:  # the plain program, noting the sizes it allocates
            import cupy

            sizes = self.sizes
            default = cupy.get_default_memory_pool()

            def malloc(n: int) -> Any:
                sizes.append(n)
                return default.malloc(n)

            with cupy.cuda.using_allocator(malloc):
                return self.plain(args)
        import cupy

        if self.graph is None:
            return self._capture(args)
        for refresh in self.captured.before:
            refresh()
        for buf, a in zip(self.inputs, args, strict=True):
            buf[...] = a.data
        self.graph.launch(self.stream)
        self.backend._pending.extend(self.checks)  # the step's value checks, as eagerly
        return self._outputs(args, cupy)

    def _outputs(self, args: list[Tensor], cupy: Any) -> list[Any]:
        out: list[Any] = []
        for r, arr, b in zip(
            self.captured.outputs, self.results, self.captured.out_backends, strict=True
        ):
            if r[0] == "t":
                out.append(
                    _wrap(cupy.array(arr, copy=True), b)
                )  # the graph overwrites arr next time
            elif r[0] == "a":
                out.append(args[r[1]])
            else:
                out.append(r[1])
        return out

    def _capture(self, args: list[Tensor]) -> list[Any]:
        import cupy

        with self.backend.current():
            self.stream = cupy.cuda.Stream(non_blocking=False)  # ordered with the default stream
            self.inputs = [cupy.array(a.data, copy=True) for a in args]
            # A private pool: the graph's intermediates (freed ones too) must never be handed
            # to other code, which the next launch would overwrite. Capture cannot ask the
            # driver for memory, so the pool is filled first with what the plain call used.
            self.pool = cupy.cuda.MemoryPool()
            held = [self.pool.malloc(n) for n in self.sizes]
            del held
            for refresh in self.captured.before:
                refresh()
            cupy.cuda.get_current_stream().synchronize()
            pending = len(self.backend._pending)
            try:
                with self.stream, cupy.cuda.using_allocator(self.pool.malloc):
                    self.stream.begin_capture()
                    try:
                        self.results = list(self.captured._run(self.inputs))
                    finally:
                        graph = self.stream.end_capture()
                self.graph = graph
                # checks registered while capturing: their flags are kept intermediates
                self.checks = self.backend._pending[pending:]
            except Exception as e:  # capture records only: nothing ran, so run the plain program
                self.failed = f"{type(e).__name__}: {e}"
                self.graph = None
                return self.plain(args)
            self.graph.launch(self.stream)
        return self._outputs(args, cupy)

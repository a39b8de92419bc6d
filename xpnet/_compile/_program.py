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

from ..autodiff.internal import wrap
from ..tensor import Tensor
from ._recorder import Check, Mut, Op, Recorder, Rng, SetGrad, ident, reads


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
        self.ops = sum(1 for ins in rec.instrs if isinstance(ins, Op))

    def __call__(self, args: list[Tensor]) -> list[Any]:
        for refresh in self.before:
            refresh()
        return self.execute(args)

    def execute(self, args: list[Tensor]) -> list[Any]:
        """Run the program on ``args`` (the scalar slots already refreshed)."""
        arrays = self._run([a._data for a in args])
        out: list[Any] = []
        for r, arr, b in zip(self.outputs, arrays, self.out_backends, strict=True):
            if r[0] == "t":
                out.append(wrap(arr, b))
            elif r[0] == "a":
                out.append(args[r[1]])
            else:
                out.append(r[1])  # an external tensor or a constant
        return out


def _changed(ins: Any) -> tuple[tuple[int, int], ...]:
    """What an in-place update changed: the ``Mut`` that follows it says."""
    if not isinstance(ins, Mut):
        raise AssertionError(f"an in-place update not followed by its Mut record: {ins!r}")
    return ins.changed


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
    names: list[str],
) -> str:
    """Source text of one recorded operand: a slot (named after the primitive that made
    it), an argument, an external tensor's array or gradient (as the program kind reads
    them), or a constant."""
    kind, v = r
    if kind == "t":
        return names[v]
    if kind == "a":
        return f"args[{v}]"
    if kind == "e":
        return external(v)
    if kind == "g":
        return grad(v)
    if v is None or isinstance(v, (bool, int)):
        return repr(v)
    return const(v, "const")


def _generate(
    rec: Recorder, outputs: list[tuple[str, Any]], keep_all: bool = False
) -> tuple[str, dict[str, Any]]:
    ns: dict[str, Any] = {"wrap": wrap}
    const = _Consts(ns)

    names = rec.slot_names

    def tensor(t: Tensor) -> str:
        return const(t, "tensor")

    def expr(r: tuple[str, Any]) -> str:
        return _expr(
            r, const, lambda t: f"{tensor(t)}._data", lambda t: f"{tensor(t)}._grad._data", names
        )

    instrs = rec.instrs
    # Liveness: the last instruction (or the return) that reads each slot.
    last: dict[int, int] = {}
    for i, ins in enumerate(instrs):
        for r in reads(ins):
            if r[0] == "t":
                last[r[1]] = i
    returned = {r[1] for r in outputs if r[0] == "t"}
    # A device that must be current (CuPy's): entered once around the whole program when
    # it is the only one (each entry asks the driver which device is current)
    devices = {id(ins.backend): ins.backend for ins in instrs
               if isinstance(ins, Op) and ins.backend.needs_context}  # fmt: skip
    once = next(iter(devices.values())) if len(devices) == 1 else None
    fused = _fusions(instrs, last, returned)
    unmade = {lin.slot for lin, _ in fused.values()}  # the fused linears' outputs: never made
    carry: list[int] = []  # slots the fused linear read last: released after the pair
    body: list[str] = []

    def emit(lines: list[str], b: Any) -> None:
        """One call's lines, inside its device's context unless the program enters it once."""
        if b.needs_context and once is None:
            body.append(f"with {const(b, 'backend')}.current():")
            body.extend("    " + line for line in lines)
        else:
            body.extend(lines)

    for i, ins in enumerate(instrs):
        made: int | None = None  # the slot this instruction makes
        if i + 1 in fused:  # a linear fused with the activation that follows: emitted there
            carry = [k for k, at in last.items() if at == i and k not in returned]
            continue
        if isinstance(ins, Op) and i in fused:
            (lin, pair), b, slot = fused[i], ins.backend, ins.slot
            made = slot
            args = f"({const(b, 'backend')}" + "".join(", " + expr(r) for r in lin.refs) + ")"
            target = names[slot] if slot is not None else "n"
            kernel = const(pair, f"linear_{ident(ins.prim.name)}_fn")
            recorded = f"{const(ins.impl, ident(ins.prim.name) + '_fn')}({const(b, 'backend')}, "
            recorded += f"{const(lin.impl, 'linear_fn')}{args})"  # the two calls as recorded
            emit(
                [
                    f"{target} = {kernel}{args}",
                    f"if {target} is NotImplemented: {target} = {recorded}",
                ],
                b,
            )
        elif isinstance(ins, Op):
            b, refs, slot = ins.backend, ins.refs, ins.slot
            made = slot
            args = f"({const(b, 'backend')}"
            args += "".join(", " + expr(r) for r in refs)
            args += "".join(
                f", {k}={repr(v) if isinstance(v, (bool, int, type(None))) else const(v, 'param')}"
                for k, v in ins.params.items()
            )
            args += ")"
            target = names[slot] if slot is not None else "n"
            lines = [f"{target} = {const(ins.impl, ident(ins.prim.name) + '_fn')}{args}"]
            if ins.impl is not ins.prim.impl:
                # a backend kernel may decline these values (labels it does not cover, a
                # strided array): the generic implementation then runs, as in eager mode
                generic = const(ins.prim.impl, ident(ins.prim.name) + "_generic")
                lines.append(f"if {target} is NotImplemented: {target} = {generic}{args}")
            emit(lines, b)
            if slot is None:  # an in-place update: the next instruction says what it changed
                for pos, j in _changed(instrs[i + 1]):
                    r = refs[pos]
                    if r[0] == "e":
                        body.append(f"{tensor(r[1])}._set_data(n[{j}])")
                    elif r[0] == "t":
                        body.append(f"{names[r[1]]} = n[{j}]")
        elif isinstance(ins, Rng):
            made = ins.slot
            draw = const(getattr(ins.generator, ins.method), "draw")
            body.append(f"{names[ins.slot]} = {draw}(*{const(ins.args, 'draw_args')})")
        elif isinstance(ins, SetGrad):
            # the slot itself: the property only adds what a recording needs (a replay
            # never runs inside one)
            target, ref = f"{tensor(ins.tensor)}._grad", ins.ref
            if ref is None:
                body.append(f"{target} = None")
            elif ref[0] == "t":
                b = const(rec.backend_of[ref[1]], "backend")
                body.append(f"{target} = wrap({names[ref[1]]}, {b})")
            elif ref[0] == "e":
                body.append(f"{target} = {tensor(ref[1])}")
            else:  # an argument of the step: its array, as a new tensor
                b = const(rec.arg_backends[ref[1]], "backend")
                body.append(f"{target} = wrap(args[{ref[1]}], {b})")
        elif isinstance(ins, Check):
            b, error = const(ins.backend, "backend"), const(ins.error, "error")
            body.append(f"{b}.check({expr(ins.ref)}, {error})")
        # release what is no longer read (a CUDA graph keeps everything: its addresses are fixed)
        done = [] if keep_all else [k for k, at in last.items() if at == i and k not in returned]
        if made is not None and made not in last and made not in returned:
            done.append(made)  # made but never read
        done = [k for k in done + ([] if keep_all else carry) if k not in unmade]
        carry = []
        if done:
            body.append("del " + ", ".join(names[k] for k in sorted(done)))
    ret = ", ".join(names[r[1]] if r[0] == "t" else "None" for r in outputs)
    if keep_all:  # hand every array back too: whoever replays the graph keeps them alive
        body.append("_KEEP[:] = [v for k, v in locals().items() if k != 'args']")
        ns["_KEEP"] = []
    body.append(f"return ({ret}{',' if len(outputs) == 1 else ''})")
    if once is not None:
        body = [f"with {const(once, 'backend')}.current():", *("    " + line for line in body)]
    source = "def run(args):\n" + "\n".join("    " + line for line in body) + "\n"
    return source, ns


# Activations a backend may fuse with the linear before them (kernel "linear_<name>"):
# the bias added and the activation applied in one pass (one launch on a GPU)
FUSIBLE = ("relu", "sigmoid", "tanh")


def _fusions(
    instrs: list[Any], last: dict[int, int], returned: set[int]
) -> dict[int, tuple[Op, Any]]:
    """Index of each activation that runs fused with the linear just before it -> that
    linear and the backend's kernel for the pair: where the linear has a bias, its output
    is read by that activation only, and both run on one backend that registers it."""
    out: dict[int, tuple[Op, Any]] = {}
    for i in range(1, len(instrs)):
        lin, act = instrs[i - 1], instrs[i]
        if not (isinstance(lin, Op) and isinstance(act, Op)) or i - 1 in out:
            continue
        if (lin.prim.name == "linear" and len(lin.refs) == 3 and not lin.params
                and lin.slot is not None and lin.slot not in returned
                and last.get(lin.slot) == i and act.prim.name in FUSIBLE
                and act.refs == (("t", lin.slot),) and not act.params
                and act.backend is lin.backend):  # fmt: skip
            kernel = lin.backend.kernels.get(f"linear_{act.prim.name}")
            if kernel is not None:
                out[i] = (lin, kernel)
    return out


class PureProgram:
    """The same program as a pure function, compiled by the backend's ``jit`` (JAX: XLA).

    Random draws are made before the call (from the same generators, in the same
    order); external tensors come in as arrays; the function returns the outputs,
    the final values of the tensors the step updates, the gradients it assigns and
    its check flags. The wrapper then runs the checks and, only if they pass,
    stores the updates and gradients: a failed check changes nothing.
    """

    def __init__(
        self, rec: Recorder, outputs: list[tuple[str, Any]], jit: Callable[..., Any]
    ) -> None:
        self.before = list(rec.before)
        self.source, ns, self.plan = _generate_pure(rec, outputs)
        self.outputs = outputs
        self.out_backends: list[Any] = [
            rec.backend_of[r[1]] if r[0] == "t" else None for r in outputs
        ]
        exec(compile(self.source, "<xn.compile pure program>", "exec"), ns)
        self._run = jit(ns["run"])
        self.ops = sum(1 for ins in rec.instrs if isinstance(ins, Op))

    def __call__(self, args: list[Tensor]) -> list[Any]:
        plan = self.plan
        for refresh in self.before:
            refresh()
        rng = tuple(draw(*a) for draw, a in plan["rng"])
        ext = tuple(t._data for t in plan["ext"]) + tuple(t._grad._data for t in plan["grad_in"])
        outs, muts, grads, flags = self._run(tuple(a._data for a in args), ext, rng)
        for (b, error), flag in zip(plan["checks"], flags, strict=True):
            b.check(flag, error)
        for t, arr in zip(plan["mutated"], muts, strict=True):
            t._set_data(arr)
        for (leaf, how, b), arr in zip(plan["grads"], grads, strict=True):
            if how == "none":
                leaf.grad = None
            elif how == "slot":
                leaf.grad = wrap(arr, b)
            elif how == "arg":
                leaf.grad = args[b]  # the step's argument itself
            else:
                leaf.grad = b  # an external tensor itself
        out: list[Any] = []
        for r, arr, b in zip(self.outputs, outs, self.out_backends, strict=True):
            out.append(wrap(arr, b) if r[0] == "t" else (args[r[1]] if r[0] == "a" else r[1]))
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

    names = rec.slot_names

    def expr(r: tuple[str, Any]) -> str:
        return _expr(r, const, local, grad_local, names)

    grads_out: list[str] = []
    flags: list[str] = []
    for i, ins in enumerate(rec.instrs):
        if isinstance(ins, Op):
            refs, slot = ins.refs, ins.slot
            args_src = "".join(", " + expr(r) for r in refs)
            kw = "".join(f", {k}={const(v, 'param')}" for k, v in ins.params.items())
            target = names[slot] if slot is not None else "n"
            call = (
                f"{const(ins.impl, ident(ins.prim.name) + '_fn')}({const(ins.backend, 'backend')}"
            )
            body.append(f"{target} = {call}{args_src}{kw})")
            if slot is None:
                for pos, j in _changed(rec.instrs[i + 1]):
                    r = refs[pos]
                    if r[0] == "e":
                        body.append(f"{local(r[1])} = n[{j}]")
                        mutated[id(r[1])] = r[1]
                    elif r[0] == "t":
                        body.append(f"{names[r[1]]} = n[{j}]")
        elif isinstance(ins, Rng):
            body.append(f"{names[ins.slot]} = rng[{len(plan['rng'])}]")
            plan["rng"].append((getattr(ins.generator, ins.method), ins.args))
        elif isinstance(ins, SetGrad):
            t, ref = ins.tensor, ins.ref
            if ref is None:
                plan["grads"].append((t, "none", None))
                grads_out.append("None")
            elif ref[0] == "t":
                plan["grads"].append((t, "slot", rec.backend_of[ref[1]]))
                grads_out.append(names[ref[1]])
            elif ref[0] == "a":
                plan["grads"].append((t, "arg", ref[1]))
                grads_out.append("None")
            else:
                plan["grads"].append((t, "tensor", ref[1]))
                grads_out.append("None")
        elif isinstance(ins, Check):
            plan["checks"].append((ins.backend, ins.error))
            flags.append(expr(ins.ref))
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
    the ordinary program, noting the sizes it allocates; the second captures the
    program on a private stream (capturing executes nothing) with every intermediate
    kept alive in a private memory pool, so its addresses stay valid, then launches
    it. Later calls refresh the scalar slots, copy the arguments into the captured
    input buffers, launch, and redo the step's Python side effects: ``.grad``
    assignments (with copies of the graph's buffers, which the next launch
    overwrites), version moves of the updated tensors, and the value checks (copies
    of their flags). The private stream is ordered after the caller's current stream
    and the caller's after it with events, whatever stream the caller uses. A graph
    holds raw pointers: when a parameter's, buffer's or state tensor's storage was
    replaced (``load_state_dict``, ``.data =``...) the graph is captured again. If
    capture fails the ordinary program runs instead, from then on.
    """

    def __init__(self, rec: Recorder, outputs: list[tuple[str, Any]], graph: Any) -> None:
        self.plain = Program(rec, outputs)
        self.captured = Program(rec, outputs, keep_all=True)
        self.backend = next(ins.backend for ins in rec.instrs if isinstance(ins, Op))
        self.graph = graph  # the backend's DeviceGraph (backend/_cuda_graph.py)
        self.ops = self.plain.ops
        self.source = self.plain.source
        ext: dict[int, Tensor] = {}
        mutated: dict[int, Tensor] = {}
        assigned: dict[int, Tensor] = {}
        for i, ins in enumerate(rec.instrs):
            if isinstance(ins, Op):
                for r in ins.refs:
                    if r[0] == "e":
                        ext[id(r[1])] = r[1]
                if ins.slot is None:
                    for pos, _ in _changed(rec.instrs[i + 1]):
                        if ins.refs[pos][0] == "e":
                            mutated[id(ins.refs[pos][1])] = ins.refs[pos][1]
            elif isinstance(ins, SetGrad):
                assigned[id(ins.tensor)] = ins.tensor
        self.externals = list(ext.values())
        self.mutated = list(mutated.values())
        self.assigned = list(assigned.values())
        self.calls = 0
        self.grads: list[Any] = []  # per assigned leaf: the tensor its .grad ends as, or None
        self.addresses: tuple[int, ...] = ()

    @property
    def failed(self) -> str | None:
        """Why capture failed (the plain program runs from then on), or None."""
        return self.graph.failed

    def _addresses(self) -> tuple[int, ...]:
        return tuple(self.backend.device_pointer(t._data) for t in self.externals)

    def __call__(self, args: list[Tensor]) -> list[Any]:
        self.calls += 1
        graph = self.graph
        if graph.failed is not None:
            return self.plain(args)
        if self.calls == 1:  # the plain program, noting the sizes it allocates
            with graph.noting_allocations():
                return self.plain(args)
        with self.backend.current():
            for refresh in self.captured.before:
                refresh()
            if graph.captured and self._addresses() != self.addresses:
                graph.reset()  # storage replaced since the capture: its pointers are stale
            arrays = [a._data for a in args]
            if not graph.captured:
                if not graph.capture(self.captured._run, arrays):
                    return self.plain.execute(args)  # (the slots are refreshed already)
                self.grads = [leaf._grad for leaf in self.assigned]  # graph buffers
                self.addresses = self._addresses()
            else:
                graph.launch(arrays)
            out, checks = graph.finish(lambda: self._effects(args))
        for flag, error in checks:  # deferred as in eager mode (raised at the next host read)
            self.backend.check(flag, error)
        return out

    def _effects(self, args: list[Tensor]) -> tuple[list[Any], list[Any]]:
        """After a launch: the step's Python side effects and its outputs, as copies of the
        graph's buffers (the next launch overwrites them), and copies of the check flags."""
        copy = self.graph.copy
        for leaf, g in zip(self.assigned, self.grads, strict=True):
            leaf._grad = None if g is None else wrap(copy(g._data), g.backend)
        for t in self.mutated:
            t._set_data(t._data)  # the graph updated it in place: move its version
        checks = [(copy(flag), error) for flag, error in self.graph.checks]
        out: list[Any] = []
        for r, arr, b in zip(
            self.captured.outputs, self.graph.results, self.captured.out_backends, strict=True
        ):
            if r[0] == "t":
                out.append(wrap(copy(arr), b))
            elif r[0] == "a":
                out.append(args[r[1]])
            else:
                out.append(r[1])
        return out, checks

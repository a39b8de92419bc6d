"""``torch.backends.cuda``: its matmul switches are kept as set (CuPy's GEMMs are
configured by CuPy)."""

from types import SimpleNamespace

matmul = SimpleNamespace(
    allow_tf32=False,
    allow_fp16_reduced_precision_reduction=True,
    allow_bf16_reduced_precision_reduction=True,
)


def is_built() -> bool:
    return False

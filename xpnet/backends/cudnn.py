"""cuDNN's switches (``torch.backends.cudnn``): kept as set; xpnet's convolutions do not
call cuDNN."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False

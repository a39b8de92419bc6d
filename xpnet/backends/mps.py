"""Apple's Metal backend: not one of xpnet's (``torch.backends.mps``)."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False

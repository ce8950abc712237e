"""Small arithmetic helpers."""


def add(a, b):
    """Return the sum."""
    return a + b


def safe_div(a, b):
    if b == 0:
        return None
    return a / b


class Counter:
    """Counts things."""

    def __init__(self):
        self.count = 0

    def bump(self):
        self.count += 1
        return self.count

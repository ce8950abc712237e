"""Geometry helpers."""

__all__ = ["area", "Circle", "perimeter"]


def area(width, height):
    """Return the area."""
    return width * height


def perimeter(
    width,
    height,
):
    return 2 * (width + height)


class Circle:
    '''A circle.'''

    def radius(self):
        return 1


def _private():
    pass


def not_in_all():
    """Not exported."""

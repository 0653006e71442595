"""Whole numbers from a request (path, query string, form), bounded where they are parsed: an id or
a page number wider than the database's integer is not a record, so it answers 404 or is ignored,
never a server error."""
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # PostgreSQL's integer, the narrowest id column we have


def bounded_int(value) -> int:
    """int() for request arguments: `type=bounded_int` makes a value out of range count as absent."""
    number = int(value)
    if abs(number) > MAX_INT:
        raise ValueError("out of range")
    return number


class BoundedIntegerConverter(IntegerConverter):
    """The `int` of every route: ids past MAX_INT match no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

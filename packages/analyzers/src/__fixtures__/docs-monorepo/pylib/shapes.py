EXAMPLE = """
def fake():
    pass
"""


async def fetch_shape(name): return {"name": name}


class Square: """A square."""

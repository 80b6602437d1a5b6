import re

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """URL slug of a name: lower-case ASCII, each run of other characters one '-', trimmed.
    "Bars Shop" -> "bars-shop"."""
    return _NON_SLUG.sub("-", name.lower()).strip("-")

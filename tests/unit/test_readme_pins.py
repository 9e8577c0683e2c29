"""The README's CDN URLs pin what the repository vendors."""

from readme import CDN, README, VENDORED, offline


def test_readme_pins_what_the_repository_vendors():
    """Every CDN URL in the README names the version package-lock.json pins."""
    urls = CDN.findall(README.read_text())
    assert {package for package, _, _ in urls} == set(VENDORED)
    offline(README.read_text())  # asserts each version

"""The CDN URLs of the README and docs/ pin what the repository vendors."""

from readme import CDN, VENDORED, documents, offline


def test_readme_pins_what_the_repository_vendors():
    """Every CDN URL in the README and docs/*.md names the version package-lock.json pins, and
    each vendored package is named."""
    texts = [path.read_text() for path in documents()]
    urls = [url for text in texts for url in CDN.findall(text)]
    assert {package for package, _, _ in urls} == set(VENDORED)
    for text in texts:
        offline(text)  # asserts each version


def test_the_readme_itself_pins_pyscript_and_both_interpreters():
    """The README's whole page names PyScript, Pyodide and MicroPython at their pinned versions."""
    (readme, *_) = documents()
    assert {package for package, _, _ in CDN.findall(readme.read_text())} == set(VENDORED)

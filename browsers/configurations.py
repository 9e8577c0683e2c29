"""The ways a page runs Python and gets the bridge: every test and benchmark takes them from here.

A configuration is an interpreter (Pyodide or MicroPython) on a thread (the page's main thread or
a worker), as the query string that every page here understands. An install is how the page
gives its interpreters the bridge: ``tag`` (personaclick_bridge.js), ``module`` (the module
copied by a config's ``[files]``) or ``wheel`` (the built wheel unzipped by ``[files]``).
"""

from __future__ import annotations

from dataclasses import dataclass

INSTALLS = ("tag", "module", "wheel")


@dataclass(frozen=True)
class Configuration:
    """One interpreter on one thread: ``id`` names tests, ``label`` tables, ``query`` pages."""

    id: str
    label: str
    query: str

    def __str__(self) -> str:
        return self.id  # what pytest names a test by: ids=str

    @property
    def interpreter(self) -> str:
        """``py`` (Pyodide) or ``mpy`` (MicroPython), as PyScript's script types say."""
        return "mpy" if "type=mpy" in self.query.split("&") else "py"

    @property
    def worker(self) -> bool:
        """Whether Python runs in a worker (the page must be cross-origin isolated)."""
        return "worker" in self.query.split("&")


CONFIGURATIONS = (
    Configuration("pyodide", "Pyodide, main thread", "type=py"),
    Configuration("micropython", "MicroPython, main thread", "type=mpy"),
    Configuration("pyodide-worker", "Pyodide, worker", "type=py&worker"),
    Configuration("micropython-worker", "MicroPython, worker", "type=mpy&worker"),
)


def configurations(
    *, interpreter: str | None = None, worker: bool | None = None
) -> tuple[Configuration, ...]:
    """The configurations of that interpreter (``py``, ``mpy``) and thread; all by default."""
    return tuple(
        configuration
        for configuration in CONFIGURATIONS
        if interpreter in (None, configuration.interpreter)
        and worker in (None, configuration.worker)
    )


# Where a behaviour lives in the page's JavaScript alone, whatever the interpreter: a page of it
# boots fastest here.
CHEAPEST = CONFIGURATIONS[1]


@dataclass(frozen=True)
class Setup:
    """A configuration with an install: ``id`` names tests, ``query`` pages (``install=``)."""

    install: str
    configuration: Configuration

    def __str__(self) -> str:
        return f"{self.configuration.id}-{self.install}"

    @property
    def query(self) -> str:
        return f"{self.configuration.query}&install={self.install}"


def setups(
    installs: tuple[str, ...] = INSTALLS, of: tuple[Configuration, ...] = CONFIGURATIONS
) -> tuple[Setup, ...]:
    """Each install in each of the configurations ``of``."""
    unknown = set(installs) - set(INSTALLS)
    if unknown:
        raise ValueError(f"installs must be among {INSTALLS}, got {sorted(unknown)}")
    return tuple(Setup(install, configuration) for install in installs for configuration in of)

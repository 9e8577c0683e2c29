"""The unit tests take the bridge and its testing kit from the source, the top-level files.

pyproject.toml's pythonpath puts "." first, so ``personaclick_bridge`` is personaclick_bridge.py,
and ``-p no:personaclick_bridge`` there keeps an installed wheel's pytest plugin from importing
its own copy of the module before that (test_stand_in.py checks both). The kit is imported
here as the file that the wheel installs as ``personaclick_bridge.testing``, with its fixture;
test_package.py runs the wheel as a user installs it.
"""

from personaclick_bridge_testing import personaclick

__all__ = ["personaclick"]

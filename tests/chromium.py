"""How tests and benchmarks launch Debian's Chromium on a machine without internet."""

CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from calling home, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

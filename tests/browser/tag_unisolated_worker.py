"""A worker script of tag.html on a page without cross-origin isolation: it has no window, so it
says that it ran over a BroadcastChannel, which tag.html listens to."""

import js

js.BroadcastChannel.new("tag-worker-ran").postMessage("ran")

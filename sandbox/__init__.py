"""Local PersonaClick sandbox: static files plus a PersonaClick-compatible segments API."""

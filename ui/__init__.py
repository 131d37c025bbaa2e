"""The web interface (Litestar + htmx) for regional operators and the national alliance."""

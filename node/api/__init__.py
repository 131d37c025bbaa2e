"""The node's JSON API (FastAPI): a thin edge over the application and the read models."""

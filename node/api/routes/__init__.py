"""Routers of the node API, one per part of the domain."""

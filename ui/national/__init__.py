"""The national pages: federated indicators, the regions' tile map, each region's freshness.

Served by the federation's process (mounted at `/` in federation/api.py). Public and read-only;
everything shown comes from `federation.service.Federation`. Like `federation/`, this package
never imports `node/`.
"""

"""The DRAIS regional domain: aggregates whose @event methods are the facts a region records.

Pure Python: nothing here knows about HTTP, SQL or NATS.
"""

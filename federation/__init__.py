"""The national federation: wire contract, consumer, national log and indicators."""

"""The forwarder: the one door out of a region (privacy filter, signed chain, publishing)."""

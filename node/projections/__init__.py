"""Regional read models, rebuilt from the log and tracked in the same transaction."""

"""DRAIS: regional social-innovation support system and impact-measurement toolbox."""

__version__ = "0.1.0"

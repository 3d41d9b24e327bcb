"""ClauseWatch: a self-hosted monitor for the legal documents of online platforms."""

__version__ = "0.1.0"
ENGINE_VERSION = f"clausewatch/{__version__}"

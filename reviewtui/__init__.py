"""reviewtui: review Linux-kernel patch series and their call-site sharing semantics."""

__version__ = "0.1.0"

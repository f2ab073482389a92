"""optviz: see how the Keras 2.2.4 optimizers behave (UI-free core; usable from a notebook)."""

__version__ = "0.1.0"

"""The screens of the terminal UI. Plugin screens subclass :class:`XinyiScreen`."""
from .base import XinyiScreen

__all__ = ["XinyiScreen"]

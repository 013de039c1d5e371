"""chagai: economics, fiscal terms, financing and risk of extractive projects."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chagai")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

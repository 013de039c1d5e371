"""The web app and JSON API: thin front ends over :mod:`chagai.services`, served by ``chagai serve``."""

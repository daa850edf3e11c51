"""The simulator's HTTPS server: ``create_app`` builds the WSGI app, ``serve`` runs it.

See README.md in this folder for the routes, the fault switch and the admin endpoints.
"""

from sfsim.server.app import SimApp
from sfsim.server.runner import create_app, serve

__all__ = ["SimApp", "create_app", "serve"]

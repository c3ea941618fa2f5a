"""The SPARQL endpoint and Linked Data server (``sorakg serve``); see docs/endpoint.md.

``sorakg.server.app`` has ``create_app`` and ``run_serve``; this package imports nothing
itself, so a query worker process (``sorakg.server.worker``) starts without the web stack.
"""

"""The build's closed-world rules (``*.rq``: SPARQL CONSTRUCT), read by
:mod:`sorakg.pipeline.reasoning`; a data folder, listed as a package so setuptools ships it."""

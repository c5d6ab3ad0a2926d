"""The learning record store's resources under /xapi/ (xAPI 1.0.3, part three): ``about``,
``statements`` (and its ``more`` pages); the document resources are in ``documents``."""

"""The bundled fictional demo case."""

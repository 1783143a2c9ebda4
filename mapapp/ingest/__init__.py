"""Import of real files (CSV, XLSX, GeoJSON, SCDL subventions) into the activity tables.

`read_import(kind, path, store)` parses, maps headers (`columns.py`), reads French numbers and
dates (`french.py`), geocodes (`geocode.py`) and validates against the table schema, returning an
`ImportResult` with every problem as `FILE:LINE:COLUMN: message` (`problems.py`).
"""

from mapapp.ingest.importer import KINDS, read_import
from mapapp.ingest.problems import ImportProblem
from mapapp.ingest.result import ImportResult

__all__ = ["KINDS", "ImportProblem", "ImportResult", "read_import"]

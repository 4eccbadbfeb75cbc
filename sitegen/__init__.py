"""sitegen: reading lists in, a searchable static website out.

The pipeline, one module per stage: parse → pages → tagging → catalog → render + search → output.
`build.run_build` drives it; `cli` is the command line around it.
"""

__version__ = "0.2.0"

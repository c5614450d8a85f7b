"""The derivations of this layer as Ibis expressions, one per pandas derivation, run on DuckDB or Spark.

Each module mirrors the pandas module of the same name in ``blinrwe.derive`` (same function
names, same arguments as Ibis tables, same output columns); the pandas derivations are the
reference and every expression here is checked against them on every engine
(tests/derive/engine). ``frames`` moves tables between pandas and an engine.
"""

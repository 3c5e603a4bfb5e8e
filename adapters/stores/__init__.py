"""Bar stores: SQLite (embedded default) and MongoDB, both implementing ``domain.ports.BarStore``.

Import the adapter you need from its module (or use ``factory.bar_store_from_settings``);
this package does not import pymongo so the SQLite path stays quick to import.
"""

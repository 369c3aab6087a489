"""pytest plugin (entry point ``contractgate``): fixtures that start a local gateway.

Being written; it registers no fixtures yet.
"""

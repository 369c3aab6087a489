"""Private helpers of the scale-out integrations (``contractgate.dask``, ``contractgate.spark``)."""

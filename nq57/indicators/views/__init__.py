"""Pages of the KPI index, one module per topic."""

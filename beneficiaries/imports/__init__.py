"""Registration lists in bulk: read (readers), map headers (mapping), check rows (validation), run jobs (jobs)."""

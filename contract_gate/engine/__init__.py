"""Running a check: one file, worker processes, the result cache, the whole run."""

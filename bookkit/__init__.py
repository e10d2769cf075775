"""The code the chapters share, stamped verbatim into the notebooks."""

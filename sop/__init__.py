"""The ``sop`` command line and what it runs: the process supervisor and the demo company."""

"""Execution: the approved plan of each month held against what happened (actuals)."""

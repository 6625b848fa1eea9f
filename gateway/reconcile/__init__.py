"""Reconcile: gather the services' data, check it across services, solve, store the plan."""

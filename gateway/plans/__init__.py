"""Consensus plans: versioned reconciled plans with their lines and escalation items."""

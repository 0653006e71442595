"""Contracts: from an award to signed terms, milestones, delivery reports, acceptance and payment."""

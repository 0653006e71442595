"""Open data: the public datasets behind the portal's pages and CSV downloads, and the Open
Contracting Data Standard (OCDS 1.1) releases and records of tenders, awards, contracts,
milestones and payments."""

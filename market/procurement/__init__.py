"""Government purchasing: guidance catalogs first; tenders, bids, scoring and award build on them."""

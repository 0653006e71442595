"""City → district → street → community, and the government departments seated in them."""

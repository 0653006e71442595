"""How well each place's needs are answered: one row kept per need (kept.py), the figures read from
those rows per community, street, district, category and the city (figures.py), their pages, charts
and open data. Above needs, contracts, philanthropy and evaluation, whose records it reads."""

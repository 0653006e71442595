"""Full-text search over everything public: needs, community requests, tenders, organizations,
contracts and venture-philanthropy projects. Words are cut by jieba; two backends answer the same
interface: a Whoosh index on local disk (the default) or a tsvector column in PostgreSQL."""

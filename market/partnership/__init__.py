"""Government and community as partners (政社互动): the two lists of what a residents' committee does
(by law, or helping the government), the admission (准入) a department needs before it pushes any
other work down to communities, and the reports of work pushed without it."""

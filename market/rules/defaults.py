"""Default rules for Suzhou, Jiangsu (see shared/DOMAIN.md for the sources); "assumed" marks a
number no source fixes. Methods: minimum suppliers, minimum bid period and how it is counted,
and the allowed range of the price weight in percent (None: price is not scored). Quotation (询价)
and competitive negotiation (竞争性谈判) go to the lowest price among the qualified suppliers
(政府采购法 art. 38, 40): price is the whole score, [100, 100], and nothing else is scored."""

SUZHOU_2026 = {
    "methods": {
        "open_tender": {"min_suppliers": 3, "bid_days": 20, "day_kind": "calendar", "price_weight": [10, 100]},
        "invited_tender": {"min_suppliers": 3, "bid_days": 20, "day_kind": "calendar", "price_weight": [10, 100]},
        "competitive_negotiation": {
            "min_suppliers": 3,
            "bid_days": 3,
            "day_kind": "working",
            "price_weight": [100, 100],
        },
        "competitive_consultation": {
            "min_suppliers": 2,
            "bid_days": 10,
            "day_kind": "calendar",
            "price_weight": [10, 30],
        },
        "single_source": {"min_suppliers": 1, "bid_days": 5, "day_kind": "working", "price_weight": None},
        "request_for_quotation": {"min_suppliers": 3, "bid_days": 3, "day_kind": "working", "price_weight": [100, 100]},
    },
    "challenge_working_days": 7,
    "challenge_answer_working_days": 7,
    "contract_sign_days": 30,
    "contract_publish_working_days": 2,
    "max_contract_years": 3,
    "payment_days": 30,
    "undertaker_min_registration_years": 1,  # assumed
    "grade_validity_years": 5,
    "grade_min_registration_years": 2,  # two full years before a first application
    "grade_upgrade_years": 2,  # a grade held two years before applying for a higher one
    "grade_notice_days": 7,  # public notice (公示) of a proposed grade; assumed
    "grade_appeal_answer_days": 15,
    # When a dated duty (a report, an answer, a payment, an assessment) is flagged and reminded;
    # assumed, set by the operator.
    "deadlines": {
        "due_soon_days": 7,  # flagged "due soon" this many days before the date
        "long_overdue_days": 30,  # "long overdue" this many days after it
        "remind_days_before": 3,  # one reminder this many days before the date
        "remind_every_days_after": 7,  # then one on the day after it and every so many days while late
        "late_reports_to_flag": 2,  # reports late this many times in a year: "often late" where it bids
        "assessment_every_days": 120,  # an incubated organization is assessed at least this often
    },
    # The grid ledger (网格台账); assumed, set by the operator. Who answers each category and by when is
    # data of its own (grid.models.DispatchRule), by district, with versions.
    "grid": {
        "private_details_days": 180,  # a reporter's name and phone are deleted this long after the close
        "reopen_days": 7,  # a closed problem may be reopened once within this many days
        "dispatch_hours": 24,  # a problem recorded, sent back or reopened is dispatched within this many hours
        "district_after_hours": 48,  # a problem escalated to the street goes on to the district this late
    },
}
SUZHOU_2026_SOURCE = "政府采购法; 财政部令第102号 (2020); 国办发〔2013〕96号; shared/DOMAIN.md"

# 国务院办公厅关于2026年部分节假日安排的通知: holidays falling on weekdays, and make-up workdays.
CHINA_2026_HOLIDAYS = {
    "元旦": ["2026-01-01", "2026-01-02"],
    "春节": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"],
    "清明节": ["2026-04-06"],
    "劳动节": ["2026-05-01", "2026-05-04", "2026-05-05"],
    "端午节": ["2026-06-19"],
    "中秋节": ["2026-09-25"],
    "国庆节": ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
}
CHINA_2026_MAKEUP_WORKDAYS = {
    "元旦调休": ["2026-01-04"],
    "春节调休": ["2026-02-14", "2026-02-28"],
    "劳动节调休": ["2026-05-09"],
    "国庆节调休": ["2026-09-20", "2026-10-10"],
}

"""The service-category taxonomy drawn from the domain sources: (code, 中文, English)."""
CATEGORIES = [
    ("elderly", "养老", "Elderly care"),
    ("disability", "助残", "Disability support"),
    ("youth", "青少年", "Children and youth"),
    ("corrections", "社区矫正", "Community corrections"),
    ("mental_health", "心理健康", "Mental health"),
    ("environment", "垃圾分类与环境", "Waste sorting and environment"),
    ("culture_sports", "文体", "Culture and sports"),
    ("legal_aid", "法律援助", "Legal aid"),
    ("health", "医疗卫生", "Health care"),
    ("employment", "就业", "Employment"),
    ("property", "物业", "Property services"),
    ("mediation", "纠纷调解", "Dispute mediation"),
    ("assistance", "社会救助", "Social assistance"),
    ("family", "妇女儿童与家庭", "Women, children and families"),
    ("volunteering", "志愿服务", "Volunteering"),
    ("capacity", "社会组织培育", "Support for social organizations"),
]

"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organization category (1), administrative
division (6), organization code per GB 11714 (9, its last character a check of its own),
and a final check character over the first 17.
"""
from dataclasses import dataclass

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, …
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

# Civil-affairs (5) categories; the other authorities are accepted without category checks.
CIVIL_AFFAIRS = "5"
CIVIL_AFFAIRS_CATEGORIES = {"1": "social_group", "2": "social_service", "3": "foundation", "9": "other"}
AUTHORITIES = "123456789ABCDEFGNY"


@dataclass(frozen=True)
class CodeProblem:
    key: str  # a stable name the caller turns into a translated message
    position: int | None = None


def normalize(code: str) -> str:
    return "".join(code.split()).upper()


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_code_check(body8: str) -> str:
    # GB 11714: letters count 10..35 by their place in the Latin alphabet.
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def problem(code: str) -> CodeProblem | None:
    """None when the code is valid, else the first thing wrong with it."""
    if len(code) != 18:
        return CodeProblem("length")
    for i, c in enumerate(code):
        if c not in CHARSET:
            return CodeProblem("character", i + 1)
    if code[0] not in AUTHORITIES:
        return CodeProblem("authority", 1)
    if not code[2:8].isdigit():
        return CodeProblem("division", 3)
    if org_code_check(code[8:16]) != code[16]:
        return CodeProblem("org_check", 17)
    if check_character(code[:17]) != code[17]:
        return CodeProblem("check", 18)
    return None


def category_of(code: str) -> str | None:
    """The civil-affairs organization type the code declares, or None for other authorities."""
    if code[0] != CIVIL_AFFAIRS:
        return None
    return CIVIL_AFFAIRS_CATEGORIES.get(code[1])


def make(authority: str, category: str, division: str, org_body8: str) -> str:
    """Complete a code from its parts (used by the demo data and tests)."""
    if (len(authority), len(category), len(division), len(org_body8)) != (1, 1, 6, 8):
        raise ValueError("parts must be 1, 1, 6 and 8 characters long")
    first16 = f"{authority}{category}{division}{org_body8}"
    first17 = first16 + org_code_check(org_body8)
    return first17 + check_character(first17)

"""Money is integer fen. Amounts typed in yuan are parsed with Decimal, never float."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    pass


# The largest amount anyone may type: ¥1,000,000,000,000 (a trillion yuan), far above any public
# budget and far below what a bigint column holds, so sums of many such amounts still fit.
MAX_FEN = 10**14


def yuan_to_fen(text: str) -> int:
    """'1,234.5' → 123450. Refuses negatives, more than two decimals and non-numbers."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError("not a number") from None
    if not value.is_finite() or value < 0:
        raise MoneyError("negative")
    if value * 100 > MAX_FEN:  # before quantize, which cannot hold 1e999
        raise MoneyError("too large")
    if value != value.quantize(Decimal("0.01")):
        raise MoneyError("more than two decimals")
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def format_yuan(fen: int) -> str:
    """123450 → '1234.50': for putting an amount back into a form field."""
    yuan, cents = divmod(fen, 100)
    return f"{yuan}.{cents:02d}" if cents else str(yuan)


def format_fen(fen: int | None) -> str:
    """123450 → '¥1,234.50'."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"

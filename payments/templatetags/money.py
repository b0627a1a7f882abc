from django import template

register = template.Library()

SYMBOLS = {"usd": "$", "cad": "CA$", "aud": "A$", "eur": "€", "gbp": "£"}


@register.filter
def money(amount: int | None, currency: str = "usd") -> str:
    """Integer minor units to a price: ``34900|money:"usd"`` → ``$349.00``; 0 → ``Free``."""
    if amount is None:
        return ""
    if amount == 0:
        return "Free"
    return money_amount(amount, currency)


@register.filter
def money_amount(amount: int | None, currency: str = "usd") -> str:
    """Like ``money`` but 0 is ``$0.00`` (totals and revenue, not prices)."""
    if amount is None:
        return ""
    currency = (currency or "usd").lower()
    value = f"{amount / 100:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"

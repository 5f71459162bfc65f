# SPDX-License-Identifier: Apache-2.0
"""Tollgate's Python SDK: real-time billing for AI products, standard library only.

    import tollgate
    tg = tollgate.Tollgate()                      # TOLLGATE_API_KEY, TOLLGATE_URL
    with tg.meter("user_123", "chat.completed", estimate={...}) as m:
        m.openai(openai_client.chat.completions.create(...))
"""

from .aio import AsyncTollgate
from .client import Response, Tollgate
from .errors import (
    APIError, AuthenticationError, Conflict, DeclinedError, InsufficientFunds, Invalid, NotFound,
    OutcomeUnknown, PermissionDenied, RateLimited, TollgateError, Unavailable, WebhookVerificationError,
)
from .meter import AsyncMeter, Meter, current_meter
from .models import (
    Adjustment, Asset, Authorization, Balance, BatchResult, Cost, Customer, Event, Fee, Lot, Page,
    PortalSession, Price, Product, ProductVersion, Settlement, Simulation, Subscription, TopUp,
    Transaction, Wallet, WebhookDelivery, WebhookEndpoint,
)
from .usage import (
    TOKEN_FIELDS, AnthropicStreamUsage, OpenAIStreamUsage, UsageMissing, anthropic_usage, openai_usage,
    token_prices, token_usage,
)
from .webhooks import Webhook

__version__ = "0.1.0"

__all__ = [
    "Tollgate", "AsyncTollgate", "Response", "Meter", "AsyncMeter", "current_meter",
    "TollgateError", "Invalid", "AuthenticationError", "PermissionDenied", "InsufficientFunds", "NotFound",
    "Conflict", "RateLimited", "Unavailable", "OutcomeUnknown", "APIError", "DeclinedError",
    "WebhookVerificationError", "Webhook",
    "openai_usage", "anthropic_usage", "token_usage", "token_prices", "OpenAIStreamUsage", "AnthropicStreamUsage",
    "UsageMissing", "TOKEN_FIELDS",
    "Adjustment", "Asset", "Authorization", "Balance", "BatchResult", "Cost", "Customer", "Event", "Fee",
    "Lot", "Page", "PortalSession", "Price", "Product", "ProductVersion", "Settlement", "Simulation",
    "Subscription", "TopUp", "Transaction", "Wallet", "WebhookDelivery", "WebhookEndpoint",
]

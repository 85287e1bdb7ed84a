"""Payments pages: buyer, gateway, office (cashier, receipts, shifts), office_money (refunds, ledger …)."""

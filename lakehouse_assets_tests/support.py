"""Landing files with known contents for tests that run assets end to end."""

import csv
from pathlib import Path

from lakehouse_assets.contracts import CONTRACT_COLUMNS


def customer(cid, day, email=None):
    return {"customer_id": cid, "first_name": "Ann", "last_name": "Lee", "email": email or f"{cid.lower()}@example.com",
            "phone": "+44 20 7946 0000", "country": "GB", "city": "London", "signup_date": "2023-05-01",
            "loyalty_tier": "gold", "updated_at": f"{day}T08:00:00Z"}


def product(pid, day):
    return {"product_id": pid, "name": "Desk", "category": "Home & Garden", "subcategory": "Furniture", "brand": "Acme",
            "unit_price": "100.00", "unit_cost": "60.00", "is_active": "true", "updated_at": f"{day}T08:00:00Z"}


def transaction(tid, day, customer_id="C1", product_id="P1", status="completed"):
    return {"transaction_id": tid, "customer_id": customer_id, "product_id": product_id, "quantity": "2",
            "unit_price": "100.00", "currency": "USD", "payment_method": "paypal", "channel": "online",
            "status": status, "transaction_ts": f"{day}T12:00:00Z"}


def land(root: str, source: str, day: str, records: list[dict]) -> None:
    folder = Path(root) / source / day
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{source}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CONTRACT_COLUMNS[source])
        writer.writeheader()
        writer.writerows(records)


def land_day(root, day, customers=(), products=(), transactions=()):
    land(root, "customers", day, list(customers))
    land(root, "products", day, list(products))
    land(root, "transactions", day, list(transactions))

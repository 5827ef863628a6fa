"""UCI Online Retail (II): invoice lines of a UK online retailer -> customers and orders.

Accepts the "Online Retail II" columns (Invoice, Price, Customer ID) and the older "Online
Retail" ones (InvoiceNo, UnitPrice, CustomerID); give both files to cover 2009-2011. One order
per invoice: amount = the sum of its lines' value (absolute for cancellations), status
``cancelled`` for invoices starting with C, category = the named product family with the
largest value on the invoice (from keywords in the line descriptions: the data has no category).
Lines without a customer id keep a null id, so staging quarantines them.

Products and order lines (for recommendations): one product per StockCode of five digits (the
shop's goods; postage, fees, manual adjustments and samples such as POST, M, DOT or
BANK CHARGES are not products and stay only in the order amount), named by its most frequent
description, in the family of that description, priced at its median positive price, with
``attr_colour`` (a colour word of the description) and ``attr_kind`` (its last word: HOLDER,
BAG, MUG...) for content-based recommendations. One order line per invoice and product:
quantities summed (a cancellation's are made positive: the order's status says it was
cancelled), unit price = value / quantity; a line whose quantities sum to zero or less is kept
for staging to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bullseye.adapters._write import write_landing

RENAMES = {"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}
# Product families by description keyword, first match wins (hand-written: the data set has
# no category column and no library carries this retailer's taxonomy).
FAMILIES = (
    ("christmas", r"CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER"),
    ("lighting", r"LIGHT|LANTERN|CANDLE|LAMP"),
    ("bags", r"\bBAG|PURSE|SHOPPER"),
    ("kitchen", r"MUG|CUP|BOWL|PLATE|BOTTLE|JAR|TIN\b|NAPKIN|CAKE|TEA|SPOON|KITCHEN|LUNCH|BAKING"),
    ("stationery", r"CARD|PAPER|WRAP|NOTEBOOK|PENCIL|\bPEN\b|STICKER|TISSUE|BOOK"),
    ("toys", r"TOY|GAME|DOLL|PLAYHOUSE|JIGSAW|SPACEBOY|CHILDRENS|CHILD'S"),
    ("decor", r"SIGN|FRAME|HEART|DECORATION|HOLDER|CLOCK|VASE|CUSHION|MIRROR|WREATH|BUNTING"),
)


def read_lines(paths: list[Path]) -> pd.DataFrame:
    frames = []
    for path in paths:
        frame = pd.read_parquet(path) if Path(path).suffix == ".parquet" else pd.read_csv(path)
        frame = frame.rename(columns=RENAMES)
        missing = {
            "Invoice",
            "Description",
            "Quantity",
            "InvoiceDate",
            "Price",
            "Customer ID",
            "Country",
        } - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: not an Online Retail file, missing {sorted(missing)}")
        frames.append(frame)
    lines = pd.concat(frames, ignore_index=True).drop_duplicates()
    lines["InvoiceDate"] = pd.to_datetime(lines["InvoiceDate"])
    return lines


def product_family(descriptions: pd.Series) -> np.ndarray:
    text = descriptions.fillna("").str.upper()
    conditions = [text.str.contains(pattern, regex=True) for _, pattern in FAMILIES]
    return np.select(conditions, [name for name, _ in FAMILIES], default="other")


PRODUCT_CODE = r"^\d{5}"
COLOURS = (
    "RED", "PINK", "BLUE", "WHITE", "GREEN", "BLACK", "IVORY", "CREAM", "SILVER", "GOLD",
    "PURPLE", "YELLOW", "ORANGE", "GREY", "BROWN", "NATURAL",
)  # fmt: skip


def products_and_items(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The products table and the order_items table (see the module's docstring)."""
    code = lines["StockCode"].astype(str).str.strip().str.upper()
    goods = lines.assign(product_id=code)[code.str.match(PRODUCT_CODE)]
    named = goods.dropna(subset=["Description"])
    name = named.groupby("product_id")["Description"].agg(lambda d: d.value_counts().index[0])
    price = goods[goods["Price"] > 0].groupby("product_id")["Price"].median()
    products = pd.DataFrame({"product_id": sorted(goods["product_id"].unique())})
    products["name"] = products["product_id"].map(name.str.strip())
    words = products["name"].fillna("").str.upper()
    colour = words.str.extract(r"\b(" + "|".join(COLOURS) + r")\b", expand=False)
    products = products.assign(
        category=product_family(products["name"]),
        price=products["product_id"].map(price).round(2),
        attr_colour=colour.str.lower(),
        attr_kind=words.str.split().str[-1].str.lower(),
    )
    quantity = np.where(goods["invoice"].str.startswith("C"), -1, 1) * goods["Quantity"]
    items = (
        goods.assign(quantity=quantity, value=quantity * goods["Price"])
        .groupby(["invoice", "product_id"], as_index=False)
        .agg(quantity=("quantity", "sum"), value=("value", "sum"))
    )
    # a line cancelled out within the invoice (quantity 0) keeps price 0: staging quarantines it
    per_unit = items["value"] / items["quantity"].where(items["quantity"] != 0)
    items["unit_price"] = per_unit.fillna(0.0).round(4)
    items = items.rename(columns={"invoice": "order_id"})
    return {
        "products": products,
        "order_items": items[["order_id", "product_id", "quantity", "unit_price"]],
    }


def to_landing(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    lines = lines.assign(
        value=lines["Quantity"] * lines["Price"],
        family=product_family(lines["Description"]),
        customer_id=lines["Customer ID"].map(lambda v: None if pd.isna(v) else str(int(v))),
        invoice=lines["Invoice"].astype(str),
    )
    by_family = lines.groupby(["invoice", "family"], as_index=False)["value"].sum()
    # The named family with the most value on the invoice; "other" only when nothing matched.
    by_family["is_other"] = by_family["family"] == "other"
    top_family = by_family.sort_values(
        ["invoice", "is_other", "value"], ascending=[True, True, False]
    )
    top_family = top_family.drop_duplicates("invoice").set_index("invoice")["family"]
    orders = lines.groupby("invoice", as_index=False).agg(
        customer_id=("customer_id", "first"),
        ordered_at=("InvoiceDate", "min"),
        amount=("value", "sum"),
        country=("Country", "first"),
    )
    is_cancelled = orders["invoice"].str.startswith("C")
    orders = orders.assign(
        order_id=orders["invoice"],
        amount=np.where(is_cancelled, orders["amount"].abs(), orders["amount"]).round(2),
        category=orders["invoice"].map(top_family),
        channel="web",
        status=np.where(is_cancelled, "cancelled", "completed"),
        ordered_at=orders["ordered_at"].dt.tz_localize("UTC"),
    )
    known = orders.dropna(subset=["customer_id"])
    customers = known.groupby("customer_id", as_index=False).agg(
        signup_at=("ordered_at", "min"), region=("country", "first")
    )
    customers["region"] = customers["region"].str.lower()
    order_columns = [
        "order_id",
        "customer_id",
        "ordered_at",
        "amount",
        "category",
        "channel",
        "status",
    ]
    return {"customers": customers, "orders": orders[order_columns]} | products_and_items(lines)


def import_online_retail(paths: list[Path], out: Path) -> dict[str, int]:
    return write_landing(out, to_landing(read_lines(paths)))

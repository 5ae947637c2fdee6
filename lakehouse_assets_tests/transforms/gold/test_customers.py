"""Customer gold on hand-built silver rows: the SCD type 2 dimension and RFM segments."""

from datetime import date, datetime
from decimal import Decimal

from lakehouse_assets.dictionary import DICTIONARY
from lakehouse_assets.transforms.gold.customer_rules import SEGMENT_RULES, SEGMENTS, TRACKED
from lakehouse_assets.transforms.gold.customers import customer_segments, dim_customers

CUSTOMERS = (
    "customer_id string, first_name string, last_name string, email string, phone string, country string, city string, "
    "signup_date date, loyalty_tier string, updated_at timestamp, _ingest_date date"
)
TRANSACTIONS = (
    "transaction_id string, customer_id string, product_id string, quantity int, total_amount decimal(14,2), "
    "channel string, status string, transaction_date date, _ingest_date date"
)
SIGNUP = date(2023, 6, 1)


def version(customer_id, updated_at, ingest_date, city="Boston", tier="bronze", phone=None, email="ann@example.com"):
    return (customer_id, "Ann", "Lee", email, phone, "US", city, SIGNUP, tier, updated_at, ingest_date)


# C1 moves city, re-sends an unchanged version (phone NULL both times), then moves tier.
C1 = [
    version("C1", datetime(2024, 1, 1, 8), date(2024, 1, 1)),
    version("C1", datetime(2024, 1, 2, 9), date(2024, 1, 2), city="New York"),
    version("C1", datetime(2024, 1, 3, 10), date(2024, 1, 3), city="New York"),
    version("C1", datetime(2024, 1, 5, 12), date(2024, 1, 5), city="New York", tier="gold"),
]
# C2's phone goes from NULL to a value and back to NULL: both are changes.
C2 = [
    version("C2", datetime(2024, 1, 1, 8), date(2024, 1, 1)),
    version("C2", datetime(2024, 1, 2, 8), date(2024, 1, 2), phone="555-0100"),
    version("C2", datetime(2024, 1, 3, 8), date(2024, 1, 3)),
]
C1_HISTORY = [
    ("C1", "Boston", "bronze", datetime(2024, 1, 1, 8), datetime(2024, 1, 2, 9), False),
    ("C1", "New York", "bronze", datetime(2024, 1, 2, 9), datetime(2024, 1, 5, 12), False),
    ("C1", "New York", "gold", datetime(2024, 1, 5, 12), None, True),
]
HISTORY_COLUMNS = ("customer_id", "city", "loyalty_tier", "valid_from", "valid_to", "is_current")


def history(frame, customer_id="C1", columns=HISTORY_COLUMNS) -> list[tuple]:
    ordered = frame.where(f"customer_id = '{customer_id}'").orderBy("valid_from")
    return [tuple(r) for r in ordered.select(*columns).collect()]


def test_each_tracked_change_opens_a_period_and_only_the_last_is_current(spark):
    dim = dim_customers(spark.createDataFrame(C1 + C2, CUSTOMERS))
    # The unchanged re-send of 2024-01-03 (NULL phone both times) does not open a row.
    assert history(dim) == C1_HISTORY
    assert history(dim, "C2", ("phone", "valid_from", "valid_to", "is_current")) == [
        (None, datetime(2024, 1, 1, 8), datetime(2024, 1, 2, 8), False),
        ("555-0100", datetime(2024, 1, 2, 8), datetime(2024, 1, 3, 8), False),
        (None, datetime(2024, 1, 3, 8), None, True),
    ]
    current = dim.where("customer_id = 'C1' AND is_current").first().asDict()
    assert current == {
        "customer_sk": current["customer_sk"],
        "customer_id": "C1",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "phone": None,
        "country": "US",
        "city": "New York",
        "signup_date": SIGNUP,
        "loyalty_tier": "gold",
        "valid_from": datetime(2024, 1, 5, 12),
        "valid_to": None,
        "is_current": True,
    }
    assert set(TRACKED) <= set(dim.columns)


def test_every_tracked_attribute_is_a_change_and_an_untracked_one_is_not(spark):
    base = version("C3", datetime(2024, 1, 1), date(2024, 1, 1))
    columns = [c.split()[0] for c in CUSTOMERS.split(", ")]
    rows = [base]
    for day, attribute in enumerate(TRACKED, start=2):
        changed = dict(zip(columns, rows[-1], strict=True))
        changed[attribute] = f"new {attribute}"
        changed["updated_at"], changed["_ingest_date"] = datetime(2024, 1, day), date(2024, 1, day)
        rows.append(tuple(changed[c] for c in columns))
    # signup_date is not tracked: a version that only changes it keeps the current row open.
    untracked = dict(zip(columns, rows[-1], strict=True))
    untracked["signup_date"], untracked["updated_at"], untracked["_ingest_date"] = (
        date(2020, 1, 1),
        datetime(2024, 2, 1),
        date(2024, 2, 1),
    )
    rows.append(tuple(untracked[c] for c in columns))
    dim = dim_customers(spark.createDataFrame(rows, CUSTOMERS))
    assert dim.count() == len(TRACKED) + 1
    assert dim.where("is_current").select("valid_from").first()[0] == datetime(2024, 1, len(TRACKED) + 1)


def test_out_of_order_versions_give_the_same_history_and_keys(spark):
    in_order = dim_customers(spark.createDataFrame(C1 + C2, CUSTOMERS))
    # The later versions landed first (later updated_at on an earlier _ingest_date) and arrive reversed.
    ingest = [date(2024, 1, 9), date(2024, 1, 7), date(2024, 1, 6), date(2024, 1, 1)]
    shuffled = [row[:-1] + (day,) for row, day in zip(C1, ingest, strict=True)][::-1] + C2[::-1]
    out_of_order = dim_customers(spark.createDataFrame(shuffled, CUSTOMERS))
    assert history(out_of_order) == C1_HISTORY
    everything = ("customer_sk",) + HISTORY_COLUMNS + ("phone",)
    ordered = ("customer_id", "valid_from")
    assert (
        out_of_order.orderBy(*ordered).select(*everything).collect()
        == in_order.orderBy(*ordered).select(*everything).collect()
    )


def test_customer_sk_is_stable_across_runs_and_unique_per_period(spark):
    versions = spark.createDataFrame(C1 + C2, CUSTOMERS)
    first = {(r.customer_id, r.valid_from): r.customer_sk for r in dim_customers(versions).collect()}
    second = {(r.customer_id, r.valid_from): r.customer_sk for r in dim_customers(versions).collect()}
    assert first == second
    assert len(set(first.values())) == len(first) == 6
    assert all(isinstance(sk, int) for sk in first.values())


# RFM as of 2024-03-31 over 90 days: the window is 2024-01-02 .. 2024-03-31.
AS_OF, WINDOW = "2024-03-31", 90


def sale(tid, customer_id, day, amount, status="completed"):
    return (tid, customer_id, "P1", 1, Decimal(amount), "online", status, day, day)


def rfm_transactions(spark):
    return spark.createDataFrame(
        [
            # A: best customer. The refund counts as a purchase worth 0; cancelled/pending and the
            # sale after as_of are ignored; the 2023 sale only adds to lifetime value.
            sale("A1", "A", date(2024, 3, 30), "100.00"),
            sale("A2", "A", date(2024, 3, 20), "100.00"),
            sale("A3", "A", date(2024, 3, 10), "100.00"),
            sale("A4", "A", date(2024, 2, 15), "50.00", "refunded"),
            sale("A5", "A", date(2023, 12, 1), "1000.00"),
            sale("A6", "A", date(2024, 4, 2), "999.00"),
            sale("A7", "A", date(2024, 3, 31), "500.00", "cancelled"),
            sale("A8", "A", date(2024, 3, 31), "400.00", "pending"),
            # B: bought once, on the window's first day.
            sale("B1", "B", date(2024, 1, 2), "20.00"),
            # C: only sale is the day before the window: absent.
            sale("C1", "C", date(2024, 1, 1), "50.00"),
            sale("D1", "D", date(2024, 3, 25), "40.00"),
            sale("D2", "D", date(2024, 3, 1), "40.00"),
            sale("E1", "E", date(2024, 2, 1), "10.00"),
            sale("E2", "E", date(2024, 2, 10), "10.00"),
            sale("E3", "E", date(2024, 2, 20), "10.00"),
            # F: first purchase 3 days ago.
            sale("F1", "F", date(2024, 3, 28), "5.00"),
            sale("G1", "G", date(2024, 1, 15), "200.00"),
            sale("G2", "G", date(2024, 1, 20), "200.00", "refunded"),
            # H: only a cancelled order in the window, a sale only after as_of: absent.
            sale("H1", "H", date(2024, 3, 15), "70.00", "cancelled"),
            sale("H2", "H", date(2024, 4, 1), "70.00"),
        ],
        TRANSACTIONS,
    )


def test_rfm_measures_scores_and_segments(spark):
    segments = customer_segments(rfm_transactions(spark), AS_OF, WINDOW)
    rows = sorted(
        tuple(r)
        for r in segments.select(
            "customer_id",
            "recency_days",
            "frequency",
            "monetary",
            "lifetime_value",
            "first_purchase",
            "r_score",
            "f_score",
            "m_score",
            "rfm",
            "segment",
        ).collect()
    )
    # r_score by thresholds: <=7 days 5, <=14 4, <=30 3, <=60 2, else 1.
    #   recency   A1 F3 D6 -> 5; E40 -> 2; G71 B89 -> 1
    # f and m: ceil(5 x mid-rank share of the 6 customers); ties share the mid-rank.
    #   frequency B1 F1 (ranks 1-2: 1.5/6) D2 G2 (3.5/6) E3 (5/6) A4 (6/6) -> f 2 2 3 3 5 5
    #   monetary  F5 B20 E30 D80 G200 A300 (1/6 .. 6/6)                    -> m 1 2 3 4 5 5
    assert rows == [
        ("A", 1, 4, Decimal("300.00"), Decimal("1300.00"), date(2023, 12, 1), 5, 5, 5, "555", "champions"),
        ("B", 89, 1, Decimal("20.00"), Decimal("20.00"), date(2024, 1, 2), 1, 2, 2, "122", "lost"),
        # D's first purchase is exactly 30 days back: not `new` (fewer than 30), so `potential`.
        ("D", 6, 2, Decimal("80.00"), Decimal("80.00"), date(2024, 3, 1), 5, 3, 4, "534", "potential"),
        ("E", 40, 3, Decimal("30.00"), Decimal("30.00"), date(2024, 2, 1), 2, 5, 3, "253", "loyal"),
        ("F", 3, 1, Decimal("5.00"), Decimal("5.00"), date(2024, 3, 28), 5, 2, 1, "521", "new"),
        ("G", 71, 2, Decimal("200.00"), Decimal("200.00"), date(2024, 1, 15), 1, 3, 5, "135", "at_risk"),
    ]
    assert {r.as_of_date for r in segments.select("as_of_date").collect()} == {date(2024, 3, 31)}
    assert {r.segment for r in segments.select("segment").collect()} <= set(SEGMENTS)
    assert dict(segments.dtypes)["monetary"] == dict(segments.dtypes)["lifetime_value"] == "decimal(14,2)"


def test_a_customer_outside_the_window_is_absent_until_the_window_reaches_it(spark):
    transactions = rfm_transactions(spark)
    assert "C" not in {r.customer_id for r in customer_segments(transactions, AS_OF, WINDOW).collect()}
    # One day wider and C's 2024-01-01 sale is in: recency 90.
    wider = {r.customer_id: r for r in customer_segments(transactions, AS_OF, WINDOW + 1).collect()}
    assert (wider["C"].recency_days, wider["C"].frequency, wider["C"].monetary) == (90, 1, Decimal("50.00"))
    assert "H" not in wider


def test_a_customer_with_only_refunds_in_the_window_has_zero_monetary_value(spark):
    transactions = spark.createDataFrame(
        [sale("R1", "R", date(2024, 3, 1), "80.00", "refunded"), sale("R2", "R", date(2023, 1, 1), "25.00")],
        TRANSACTIONS,
    )
    row = customer_segments(transactions, AS_OF, WINDOW).first()
    assert (row.customer_id, row.recency_days, row.frequency, row.monetary, row.lifetime_value) == (
        "R",
        30,
        1,
        Decimal("0.00"),
        Decimal("25.00"),
    )
    # 30 days: r_score 3. Alone, the customer holds every rank: f and m 5.
    assert (row.r_score, row.f_score, row.m_score, row.segment) == (3, 5, 5, "loyal")


def test_customers_with_equal_values_share_scores_and_segment_whatever_their_ids(spark):
    # 12 customers: the ids sort in a different order than the values, and values repeat in groups.
    # Everyone bought on the as-of day (recency 0), like the 196 customers of the demo's first day.
    spec = {f"C{n:02d}": (n % 3 + 1, Decimal(10 * (n % 2 + 1))) for n in range(12)}
    transactions = spark.createDataFrame(
        [
            sale(f"{customer}-{k}", customer, date(2024, 3, 31), str(amount))
            for customer, (count, amount) in spec.items()
            for k in range(count)
        ],
        TRANSACTIONS,
    )
    rows = {r.customer_id: r for r in customer_segments(transactions, AS_OF, WINDOW).collect()}
    by_values = {}
    for row in rows.values():
        by_values.setdefault((row.recency_days, row.frequency, row.monetary), set()).add(
            (row.r_score, row.f_score, row.m_score, row.segment)
        )
    assert all(len(outcomes) == 1 for outcomes in by_values.values()), by_values
    # Recency 0 for all: r_score 5 for all, so nobody who bought today is hibernating or lost.
    assert {row.r_score for row in rows.values()} == {5}
    # frequency 1/2/3 for 4 customers each: mid-ranks 2.5, 6.5, 10.5 of 12 -> f 2, 3, 5.
    assert {row.frequency: row.f_score for row in rows.values()} == {1: 2, 2: 3, 3: 5}
    assert {row.segment for row in rows.values()} == {"champions", "new"}


def test_a_customer_who_bought_on_the_as_of_day_is_never_hibernating_or_lost(spark):
    # One recent buyer with the least of everything among customers who bought long ago and often.
    rows = [sale("T", "TODAY", date(2024, 3, 31), "1.00")]
    rows += [sale(f"O{n}-{k}", f"OLD{n}", date(2024, 1, 10 + k), "500.00") for n in range(9) for k in range(5)]
    snapshot = customer_segments(spark.createDataFrame(rows, TRANSACTIONS), AS_OF, WINDOW).collect()
    segments = {r.customer_id: r for r in snapshot}
    today = segments["TODAY"]
    assert (today.recency_days, today.r_score, today.f_score, today.m_score, today.segment) == (0, 5, 1, 1, "new")
    # Nine equal customers, one outcome: 77 days ago (r 1), ranks 2-10 of 10 (f and m 3).
    assert {(r.r_score, r.f_score, r.m_score, r.segment) for r in snapshot if r.customer_id != "TODAY"} == {
        (1, 3, 3, "at_risk")
    }


def test_every_declared_segment_has_exactly_one_rule_and_the_last_always_holds():
    assert sorted(name for name, _ in SEGMENT_RULES) == sorted(SEGMENTS)
    assert SEGMENT_RULES[-1] == ("lost", "TRUE")


def test_the_data_dictionary_states_the_segment_rules_the_code_applies():
    text = DICTIONARY["gold/customer_segments"].columns
    (segment,) = [column.description for column in text if column.name == "segment"]
    spelled = {
        "new": "r_score ≥ 4 and first_purchase less than 30 days before as_of_date",
        "lost": "otherwise",
    }
    stated = [
        f"{name} ({spelled.get(name, rule.replace('>=', '≥').replace(' AND ', ' and '))})"
        for name, rule in SEGMENT_RULES
    ]
    assert segment.startswith("First matching rule: " + "; ".join(stated) + "."), segment

"""Loaded CSV whose values silver judges: ids, timestamps, spellings, and one record per transactions rule."""

from lakehouse_assets_tests.corpus.model import DayLanding, contract, csv_text, loaded

T = "transactions"
TX = contract(T)


def null_markers(land: DayLanding):
    kind, name = "csv_null_markers", "db-dump-null-markers.csv"
    records = [
        land.tx(kind, 1, channel="NULL"),
        land.tx(kind, 2, status="\\N"),
        land.tx(kind, 3, unit_price="NaN"),
        land.tx(kind, 4, currency="N/A"),
    ]
    land.write(T, name, csv_text(TX, records))
    return [
        loaded(
            T,
            name,
            kind,
            "Database dumps write NULL, \\N (MySQL/Postgres COPY), NaN, N/A: kept as text, so "
            "each record fails the rule of its column",
            4,
            silver=0,
            quarantined={"channel_allowed": 1, "status_allowed": 1, "unit_price_is_amount": 1, "currency_allowed": 1},
        )
    ]


def silver_values(land: DayLanding):
    files, day = [], land.day
    kind = "csv_ids_lowercase_padded"
    records = [
        land.tx(
            kind,
            n,
            transaction_id=f" {land.tid(kind, n).lower()} ",
            customer_id=f" {land.customer_ids[n - 1].lower()}",
            product_id=f"{land.product_ids[n - 1].lower()} ",
        )
        for n in (1, 2)
    ]
    records.append(
        land.tx(kind, 3, transaction_id=f"\u00a0{land.tid(kind, 3)}\t", customer_id=f"\t{land.customer_ids[2]}")
    )
    land.write(T, "lowercase-ids.csv", csv_text(TX, records))
    files.append(
        loaded(
            T,
            "lowercase-ids.csv",
            kind,
            "Ids typed by hand: lower case, padded with spaces, a no-break space or a TAB at the edges; silver "
            "trims and upper-cases them, and they match the known customers/products",
            3,
            silver=3,
        )
    )
    kind = "csv_ids_hostile_chars"
    tid = [land.tid(kind, n) for n in range(1, 7)]
    records = [
        land.tx(kind, 1, transaction_id=f"{tid[0]}\tA"),
        land.tx(kind, 2, transaction_id="\u0422" + tid[1][1:]),
        land.tx(kind, 3, transaction_id=tid[2][:5] + "\u200b" + tid[2][5:]),
        land.tx(kind, 4, transaction_id=tid[3][:5] + "\u00a0" + tid[3][5:]),
        land.tx(kind, 5),
        land.tx(kind, 6, transaction_id=tid[5].lower().replace("i", "\u0131")),
    ]
    land.write(T, "hostile-ids.csv", csv_text(TX, records))
    files.append(
        loaded(
            T,
            "hostile-ids.csv",
            kind,
            "Ids with an inner TAB, a Cyrillic 'Т', an inner zero-width space or no-break space (copy-paste from "
            "chat/PDF), and a Turkish-locale lower-casing ('ı' is not 'i'; only a-z are upper-cased)",
            6,
            silver=1,
            quarantined={"transaction_id_well_formed": 5},
        )
    )
    kind = "csv_ts_out_of_range"
    records = [
        land.tx(kind, 1, transaction_ts="0001-01-01T00:00:00Z"),
        land.tx(kind, 2, transaction_ts="1899-12-31T00:00:00Z"),
        land.tx(kind, 3),
    ]
    land.write(T, "ts-out-of-range.csv", csv_text(TX, records))
    files.append(
        loaded(
            T,
            "ts-out-of-range.csv",
            kind,
            "Default dates: .NET DateTime.MinValue 0001-01-01 and Excel's day zero 1899-12-31",
            3,
            silver=1,
            quarantined={"transaction_ts_in_range": 2},
        )
    )
    kind = "csv_ts_future"
    records = [
        land.tx(kind, 1, transaction_ts=f"{land.next_day}T00:00:00Z"),
        land.tx(kind, 2, transaction_ts=f"{day}T23:30:00-02:00"),
        land.tx(kind, 3, transaction_ts=f"{day}T23:59:59Z"),
    ]
    land.write(T, "ts-future.csv", csv_text(TX, records))
    files.append(
        loaded(
            T,
            "ts-future.csv",
            kind,
            "Timestamps after the landing day: the next midnight UTC, and "
            "23:30-02:00 (01:30 UTC the next day); 23:59:59Z is still that day",
            3,
            silver=1,
            quarantined={"transaction_ts_not_in_future": 2},
        )
    )
    kind = "csv_ts_iso_variants"
    stamps = [
        f"{day}T12:00:00.123456Z",
        f"{day} 12:00:00",
        f"{day}T12:00:00+01:00",
        f"{day}T12:00:00+0100",
        f"{day}T12:00:00",
    ]
    land.write(
        T, "ts-iso-variants.csv", csv_text(TX, [land.tx(kind, n, transaction_ts=s) for n, s in enumerate(stamps, 1)])
    )
    files.append(
        loaded(
            T,
            "ts-iso-variants.csv",
            kind,
            "ISO 8601 spellings real systems emit: fractions, space separator, no zone, +01:00 and +0100 offsets",
            5,
            silver=5,
        )
    )
    kind = "csv_pos_value_variants"
    records = [
        land.tx(
            kind,
            1,
            payment_method="Credit Card",
            currency="usd",
            channel="Online",
            status="COMPLETED",
            quantity="+3",
            unit_price="$1,234.50",
        ),
        land.tx(
            kind,
            2,
            payment_method="CREDIT-CARD",
            currency=" EUR ",
            channel="STORE",
            status="Pending",
            quantity=" 2 ",
            unit_price="€3",
        ),
        land.tx(
            kind,
            3,
            payment_method=" debit card ",
            currency="gbp",
            channel=" mobile ",
            status="refunded",
            unit_price=" 12.5 ",
        ),
    ]
    land.write(T, "pos-value-variants.csv", csv_text(TX, records))
    files.append(
        loaded(
            T,
            "pos-value-variants.csv",
            kind,
            "A point-of-sale system's spellings: case, dashes, padding, "
            "'+3', '$1,234.50', '€3' - standardized, not quarantined",
            3,
            silver=3,
        )
    )
    return files


RULE_SAMPLER = (
    ({"transaction_id": ""}, "transaction_id_present"),
    ({"customer_id": ""}, "customer_id_present"),
    ({"product_id": ""}, "product_id_present"),
    ({"quantity": ""}, "quantity_present"),
    ({"quantity": "2.5"}, "quantity_is_integer"),
    ({"quantity": "0"}, "quantity_at_least_one"),
    ({"unit_price": ""}, "unit_price_present"),
    ({"unit_price": "abc"}, "unit_price_is_amount"),
    ({"unit_price": "-5.00"}, "unit_price_not_negative"),
    ({"quantity": "2000000000", "unit_price": "999999.99"}, "total_amount_fits"),
    ({"currency": ""}, "currency_present"),
    ({"currency": "JPY"}, "currency_allowed"),
    ({"payment_method": ""}, "payment_method_present"),
    ({"payment_method": "bitcoin"}, "payment_method_allowed"),
    ({"channel": "   "}, "channel_present"),
    ({"channel": "phone"}, "channel_allowed"),
    ({"status": ""}, "status_present"),
    ({"status": "shipped"}, "status_allowed"),
    ({"transaction_ts": ""}, "transaction_ts_present"),
)


def rule_sampler(land: DayLanding):
    kind, name = "csv_erp_rule_sampler", "erp-rule-sampler.csv"
    unknown = [
        ({"customer_id": f"C-{land.compact}-404"}, "customer_known"),
        ({"product_id": f"P-{land.compact}-404"}, "product_known"),
    ]
    cases = [*RULE_SAMPLER, *unknown]
    records = [land.tx(kind, n, **overrides) for n, (overrides, _) in enumerate(cases, start=1)]
    records.append(land.tx(kind, len(cases) + 1))
    land.write(T, name, csv_text(TX, records))
    return [
        loaded(
            T,
            name,
            kind,
            "An ERP export where each record breaks exactly one transactions rule (a blank-only "
            "channel counts as missing), plus one clean record",
            len(records),
            silver=1,
            quarantined={rule: 1 for _, rule in cases},
        )
    ]


KINDS = (null_markers, silver_values, rule_sampler)

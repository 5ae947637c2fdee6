"""The rules of customer gold as plain data: the attributes dim_customers tracks, the recency
thresholds of r_score and the segment rules of customer_segments.

No Spark here: `transforms/gold/customers.py` applies these, and the data dictionary
(`lakehouse_assets/dictionary.py`, which loads without Spark) renders its text from them, so the
documented rules are the applied ones.
"""

import re

TRACKED = ("first_name", "last_name", "email", "phone", "country", "city", "loyalty_tier")
SEGMENTS = ("champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost")

# r_score from days since the last sale, by fixed thresholds: how recent is recent does not depend on
# the other customers, and everyone who bought on the as-of day scores 5. Above 60 days: 1.
RECENCY_SCORES: tuple[tuple[int, int], ...] = ((7, 5), (14, 4), (30, 3), (60, 2))

# A customer's segment is the first rule that holds, as Spark SQL over the scores and
# days_since_first_purchase (days from first_purchase to the as-of date). With r_score 5 for everyone
# who bought on the as-of day, such a customer is never `hibernating` or `lost`.
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    ("champions", "r_score >= 4 AND f_score >= 4"),
    ("loyal", "f_score >= 4"),
    ("new", "r_score >= 4 AND days_since_first_purchase < 30"),
    ("potential", "r_score >= 3"),
    ("at_risk", "f_score >= 3"),
    ("hibernating", "r_score = 2"),
    ("lost", "TRUE"),
)


def _spelled(rule: str) -> str:
    """A segment rule in the dictionary's words."""
    if rule == "TRUE":
        return "otherwise"
    rule = re.sub(r"days_since_first_purchase < (\d+)", r"first_purchase less than \1 days before as_of_date", rule)
    return rule.replace(">=", "≥").replace(" AND ", " and ")


def segment_rules_text() -> str:
    rules = "; ".join(f"{name} ({_spelled(rule)})" for name, rule in SEGMENT_RULES)
    top = RECENCY_SCORES[0][1]
    return (
        f"First matching rule: {rules}. A customer who bought on the as-of day (r_score {top}) is therefore "
        "never hibernating or lost."
    )


def recency_scores_text() -> str:
    (first_days, top), *rest = RECENCY_SCORES
    steps = ", ".join([f"≤ {first_days} days {top}", *[f"≤ {days} {score}" for days, score in rest]])
    return (
        f"From recency_days by fixed thresholds, the same for every snapshot: {steps}, else 1 (everyone who bought "
        f"on the as-of day scores {top})."
    )

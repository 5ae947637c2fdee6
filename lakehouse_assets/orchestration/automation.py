"""When silver and gold update on their own: after their upstream partitions do, behind checks.

Dagster's `eager()` is close but wrong for a lakehouse whose days arrive out of order, so the
conditions are spelled out:
- any day, not only the latest: landing drops arrive for past days too (late files,
  re-deliveries), and each such day must flow downstream;
- only after an upstream update, never because a partition is "newly missing": eager() would
  otherwise request every day since LAKEHOUSE_START_DATE on its first evaluation;
- every blocking check of the upstream partitions must have passed, so a bronze slice that lost
  records, or a silver slice that fails its contract, stops there instead of reaching gold.
"""

from collections.abc import Sequence

from dagster import AssetKey, AssetSelection, AutomationCondition

from lakehouse_assets.constants import GOLD

_UPSTREAM_UPDATED = AutomationCondition.any_deps_updated().since_last_handled()
_NOTHING_IN_PROGRESS = ~AutomationCondition.any_deps_in_progress() & ~AutomationCondition.in_progress()
_BLOCKING_CHECKS_PASSED = AutomationCondition.all_checks_match(
    AutomationCondition.check_passed() | AutomationCondition.will_be_requested(), blocking_only=True
).with_label("all_blocking_checks_passed")

# Silver day D reads bronze day D of every source: all must be there, and checked.
SILVER_AUTOMATION = (
    _UPSTREAM_UPDATED
    & ~AutomationCondition.any_deps_missing()
    & _NOTHING_IN_PROGRESS
    & AutomationCondition.all_deps_match(_BLOCKING_CHECKS_PASSED).with_label("all_deps_blocking_checks_passed")
).with_label("silver: upstream updated, present and checked")

# Gold reads windows of days (D..D+late days, trailing weeks) or whole silver tables (dimensions).
# A day in such a window that never landed is not an error — the asset reads what exists — so
# upstream partitions that DO exist must have passed their blocking checks (Dagster's deps
# conditions count a dependency as matching when ANY mapped partition matches, hence the double
# negation: no existing upstream partition may lack passed checks).
_ALL_PRESENT_UPSTREAM_CHECKED = ~AutomationCondition.any_deps_match(
    ~AutomationCondition.missing() & ~_BLOCKING_CHECKS_PASSED
).with_label("no_present_dep_with_unpassed_blocking_checks")
# An unpartitioned dimension read whole must exist (or be built in the same run).
_DIMENSIONS = AssetSelection.assets(AssetKey([GOLD, "dim_products"]), AssetKey([GOLD, "dim_customers"]))


def gold_automation(ignore_updates_of: Sequence[AssetKey] = ()) -> AutomationCondition:
    """Gold's condition; `ignore_updates_of` names whole-table inputs whose updates must not trigger.

    A daily fact that reads a whole dimension (every silver/products partition) would otherwise be
    requested for every day since LAKEHOUSE_START_DATE whenever any product changed. Such a fact
    picks up dimension changes the next time its own days update (or by a backfill).
    """
    updated = AutomationCondition.any_deps_updated()
    if ignore_updates_of:
        updated = updated.ignore(AssetSelection.assets(*ignore_updates_of))
    return (
        updated.since_last_handled()
        & _NOTHING_IN_PROGRESS
        & ~AutomationCondition.any_deps_missing().allow(_DIMENSIONS)
        & _ALL_PRESENT_UPSTREAM_CHECKED
    ).with_label("gold: upstream updated and checked where present")


GOLD_AUTOMATION = gold_automation()

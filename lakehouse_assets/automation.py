"""When silver and gold update on their own: after their upstream partitions do, behind checks."""

from dagster import AutomationCondition

# Dagster's eager() minus its "latest time window only" clause: landing drops arrive for past
# days too (late files, re-deliveries), and each such day must flow downstream. On top of eager:
# every blocking check of the upstream assets must have passed, so a bronze slice that lost
# records, or a silver slice that fails its contract, stops here instead of reaching gold.
DOWNSTREAM_OF_UPDATES = AutomationCondition.eager().without(
    AutomationCondition.in_latest_time_window()
) & AutomationCondition.all_deps_blocking_checks_passed()

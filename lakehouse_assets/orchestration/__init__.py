"""When things run: partitions, jobs, schedules, sensors and automation conditions."""

"""Reports: the task grid as of any day, reporting periods, money and proposals reports, frozen snapshots."""

//! What Splunk gives a command besides rows: the search's `now` and time zone.

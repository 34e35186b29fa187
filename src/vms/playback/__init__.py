"""Playback room: time-range queries, timeline, HLS VOD, frame at time, export and signing."""

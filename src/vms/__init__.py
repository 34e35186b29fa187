"""VMS: an open-source video management system (RTSP ingest, stream-copy recording, playback)."""

__version__ = "0.1.0"

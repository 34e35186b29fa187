"""Camera simulator (`vms simulate`): RTSP cameras showing a pattern, a looped file or a scene."""

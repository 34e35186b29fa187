"""Camera simulator (`vms simulate`): RTSP cameras serving a clock pattern or a looped file."""

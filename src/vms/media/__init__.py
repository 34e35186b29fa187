"""Media primitives: packet and codec types, time bases, parameter sets, fMP4 boxes, RTP, RTSP."""

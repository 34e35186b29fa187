"""Live view: WHEP (WebRTC), LL-HLS and MSE, RTSP restream, SRT and snapshots, all hub sinks."""

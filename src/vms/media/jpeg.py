"""A decoded frame as a JPEG thumbnail: optional downscale keeping the aspect ratio, then OpenCV.

Playback's frame grabs and live snapshots both hand out pictures this way.
"""

from __future__ import annotations

import av
import cv2
import numpy as np
import numpy.typing as npt

JPEG_QUALITY = 85


def scaled_to_width(frame: av.VideoFrame, width: int | None) -> av.VideoFrame:
    """The frame scaled down to `width` (even height, same aspect); never scaled up."""
    if width is None or width >= frame.width:
        return frame
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    return frame.reformat(width=width, height=height)


def encode_jpeg(frame: av.VideoFrame) -> bytes | None:
    """The frame as JPEG bytes, or None when the encoder refuses it."""
    image: npt.NDArray[np.uint8] = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return bytes(encoded.tobytes()) if ok else None
